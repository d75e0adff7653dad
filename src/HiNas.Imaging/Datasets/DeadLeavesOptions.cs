namespace HiNas.Imaging.Datasets;

/// <summary>Parameters of the dead-leaves model; the defaults give natural-image-like statistics.</summary>
public sealed record DeadLeavesOptions
{
    /// <summary>Exponent of the radius density p(r) ∝ r^−α (α ≈ 3 gives scale invariance).</summary>
    public double Alpha { get; init; } = 3.0;

    /// <summary>Smallest radius in pixels.</summary>
    public double MinRadius { get; init; } = 3.0;

    /// <summary>Largest radius as a fraction of the shorter image side.</summary>
    public double MaxRadiusFraction { get; init; } = 0.4;

    /// <summary>Fraction of shapes that are rotated rectangles rather than discs.</summary>
    public double RectangleFraction { get; init; } = 0.35;

    /// <summary>Fraction of shapes carrying a sinusoidal stripe texture.</summary>
    public double StripeFraction { get; init; } = 0.3;

    /// <summary>Largest amplitude of a shape's linear shading (on [0, 1]).</summary>
    public double ShadingAmplitude { get; init; } = 0.2;

    /// <summary>Upper bound on the shapes drawn; pixels still uncovered then take a background colour.</summary>
    public int MaxShapes { get; init; } = 200_000;

    public void Validate()
    {
        if (!(Alpha > 1)) throw new ArgumentOutOfRangeException(nameof(Alpha), Alpha, "α must be > 1");
        if (!(MinRadius > 0)) throw new ArgumentOutOfRangeException(nameof(MinRadius), MinRadius, "the minimum radius must be > 0");
        if (!(MaxRadiusFraction > 0 && MaxRadiusFraction <= 1)) throw new ArgumentOutOfRangeException(nameof(MaxRadiusFraction), MaxRadiusFraction, "must be in (0, 1]");
        if (RectangleFraction is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(RectangleFraction), RectangleFraction, "must be in [0, 1]");
        if (StripeFraction is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(StripeFraction), StripeFraction, "must be in [0, 1]");
        if (ShadingAmplitude is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(ShadingAmplitude), ShadingAmplitude, "must be in [0, 1]");
        if (MaxShapes < 1) throw new ArgumentOutOfRangeException(nameof(MaxShapes), MaxShapes, "must be ≥ 1");
    }
}
