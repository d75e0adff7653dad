namespace HiNas.Nas.Space;

/// <summary>
/// How the dilated candidates (dil_conv_3x3, dil_conv_5x5) compute: dense (LeakyReLU → k×k convolution with dilation
/// 2 → BatchNorm), as the official HiNAS code's operation table has them, or separable (LeakyReLU → depthwise k×k with
/// dilation 2 → pointwise 1×1 → BatchNorm), as DARTS has them. A property of the search space, so that a genotype
/// rebuilds the network it was searched and trained with.
/// </summary>
public enum DilatedConvStyle
{
    Dense,
    Separable,
}

public static class DilatedConvStyles
{
    /// <summary>The setting that chooses it.</summary>
    public const string Setting = "dilated_convs";

    /// <summary>What a genotype or options file written before the setting existed was searched with.</summary>
    public const DilatedConvStyle Unrecorded = DilatedConvStyle.Separable;

    public static string Name(this DilatedConvStyle style) => style == DilatedConvStyle.Dense ? "dense" : "separable";

    /// <summary>"dense" or "separable"; anything else is an error naming both.</summary>
    public static DilatedConvStyle Parse(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "dense" => DilatedConvStyle.Dense,
        "separable" => DilatedConvStyle.Separable,
        _ => throw new ArgumentException($"dilated convolutions '{text}' are not dense or separable"),
    };
}
