namespace HiNas.Nas.Space;

/// <summary>
/// What ends a derived network: the light head (LeakyReLU → one 3×3 convolution to the image channels, or to
/// channels·s² and PixelShuffle for SR), or the official code's decoder (DeepLab v3+ style: the last cell's features
/// projected to 128 channels — through ASPP for SR — joined with a 48-channel projection of the stem's low-level
/// features, two separable 3×3 convolutions, then the output convolution).
/// </summary>
public enum DerivedHead
{
    Light,
    Decoder,
}

public static class DerivedHeads
{
    /// <summary>The setting that chooses it.</summary>
    public const string Setting = "head";

    /// <summary>What a run written before the setting existed was trained with.</summary>
    public const DerivedHead Unrecorded = DerivedHead.Light;

    public static string Name(this DerivedHead head) => head == DerivedHead.Light ? "light" : "decoder";

    /// <summary>"light" or "decoder"; anything else is an error naming both.</summary>
    public static DerivedHead Parse(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "light" => DerivedHead.Light,
        "decoder" => DerivedHead.Decoder,
        _ => throw new ArgumentException($"head '{text}' is not light or decoder"),
    };
}
