namespace HiNas.Nas.Space;

/// <summary>
/// How a convolution of the space computes: dense (one k×k convolution over all channels) or separable (depthwise
/// k×k → pointwise 1×1). Two settings of the space use it, both properties of the search space so that a genotype
/// rebuilds the network it was searched and trained with:
/// <list type="bullet">
/// <item>the dilated candidates (dil_conv_3x3, dil_conv_5x5): dense (LeakyReLU → k×k convolution with dilation 2 →
/// BatchNorm), as the official HiNAS code's operation table has them, or separable (LeakyReLU → depthwise k×k with
/// dilation 2 → pointwise 1×1 → BatchNorm), as DARTS has them;</item>
/// <item>the light head's 3×3 convolution (<see cref="SearchSpace.HeadConv"/>): dense, or separable — 1/9 + 1/C_out of
/// its multiply-adds, which matters where the head goes to many channels (an upscaler in the frame-time space ends in
/// 3·(s·r)² = 48 channels for ×2).</item>
/// </list>
/// </summary>
public enum ConvStyle
{
    Dense,
    Separable,
}

public static class ConvStyles
{
    /// <summary>The setting that chooses the dilated candidates' style.</summary>
    public const string DilatedSetting = "dilated_convs";

    /// <summary>What a genotype or options file written before the dilated setting existed was searched with.</summary>
    public const ConvStyle DilatedUnrecorded = ConvStyle.Separable;

    /// <summary>The setting that chooses the light head's convolution.</summary>
    public const string HeadSetting = "head_conv";

    /// <summary>What a genotype or options file written before the head setting existed was searched with.</summary>
    public const ConvStyle HeadUnrecorded = ConvStyle.Dense;

    /// <summary>What the two settings are called in errors.</summary>
    public const string DilatedWhat = "dilated convolutions", HeadWhat = "head convolutions";

    public static string Name(this ConvStyle style) => style == ConvStyle.Dense ? "dense" : "separable";

    /// <summary>The dilated style as a genotype or options file records it (always written; absent is <see cref="DilatedUnrecorded"/>).</summary>
    public static ConvStyle DilatedFromJson(string? text) => text is null ? DilatedUnrecorded : Parse(text, DilatedWhat);

    /// <summary>The head convolution as a genotype or options file records it: written when it is not <see cref="HeadUnrecorded"/>.</summary>
    public static string? HeadJson(this ConvStyle style) => style == HeadUnrecorded ? null : style.Name();

    public static ConvStyle HeadFromJson(string? text) => text is null ? HeadUnrecorded : Parse(text, HeadWhat);

    /// <summary>"dense" or "separable"; anything else is an error naming both and <paramref name="what"/>.</summary>
    public static ConvStyle Parse(string? text, string what) => text?.Trim().ToLowerInvariant() switch
    {
        "dense" => ConvStyle.Dense,
        "separable" => ConvStyle.Separable,
        _ => throw new ArgumentException($"{what} '{text}' are not dense or separable"),
    };
}
