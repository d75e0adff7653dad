using HiNas.Imaging.Pixels;
using HiNas.Imaging.Randomness;

namespace HiNas.Imaging.Degradations;

/// <summary>Additive white Gaussian noise of standard deviation σ on the [0, 255] scale.</summary>
public static class GaussianNoise
{
    /// <summary>
    /// Returns image + σ/255 · N(0, 1) drawn from <paramref name="seed"/>: the same seed gives the same noise.
    /// Clipping to [0, 1] is off by default, as the evaluation protocol measures unclipped noise.
    /// </summary>
    public static PlanarImage Apply(PlanarImage image, double sigma, ulong seed, bool clip = false)
    {
        return Apply(image, sigma, new DeterministicRandom(seed), clip);
    }

    /// <summary>Same, drawing from an existing stream (fresh noise per training sample).</summary>
    public static PlanarImage Apply(PlanarImage image, double sigma, DeterministicRandom random, bool clip = false)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (!double.IsFinite(sigma) || sigma < 0)
            throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "noise σ must be a finite number ≥ 0 (on the [0, 255] scale)");
        var result = image.Clone();
        var scale = sigma / 255.0;
        var data = result.Data;
        for (var i = 0; i < data.Length; i++)
        {
            var value = data[i] + scale * random.NextGaussian();
            data[i] = clip ? (float)Math.Clamp(value, 0.0, 1.0) : (float)value;
        }
        return result;
    }
}
