namespace HiNas.Nas.Settings;

/// <summary>The pixel terms a training's loss can have (setting <c>pixel_loss</c>).</summary>
public static class PixelLosses
{
    /// <summary>Mean squared error over the batch (the paper's for denoising).</summary>
    public const string Mse = "mse";

    /// <summary>Mean absolute error over the batch (the paper's for super-resolution).</summary>
    public const string L1 = "l1";

    /// <summary>
    /// The mean over the batch's samples of log10 of each sample's MSE (floored at 45 dB): every sample's error counts in
    /// decibels, as PSNR is reported. A denoiser trained on σ drawn from a range sees samples whose MSE differs tenfold
    /// between σ 10 and σ 50; the batch MSE is ruled by the noisiest of them and hardly trains the low σ.
    /// </summary>
    public const string LogMse = "log-mse";

    public static readonly IReadOnlyList<string> Names = new[] { Mse, L1, LogMse };

    /// <summary>The pixel term a name gives; anything else is an error naming them all.</summary>
    public static PixelLoss Parse(string text) => TryParse(text) ?? throw new ArgumentException(Refusal(text));

    /// <summary>The pixel term a name gives, or null when it names none.</summary>
    public static PixelLoss? TryParse(string? text) => text switch
    {
        Mse => PixelLoss.Mse,
        L1 => PixelLoss.L1,
        LogMse => PixelLoss.LogMse,
        _ => null,
    };

    /// <summary>Why <paramref name="text"/> is refused.</summary>
    public static string Refusal(string? text) => $"'{text}' is not {string.Join(", ", Names)}";
}

/// <summary>A training loss's pixel term, as <see cref="PixelLosses"/> names them.</summary>
public enum PixelLoss
{
    Mse,
    L1,
    LogMse,
}
