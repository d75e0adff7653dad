using HiNas.Imaging.Pixels;

namespace HiNas.Imaging.Tasks;

/// <summary>
/// FFDNet's noise-level map: a denoiser told the noise it faces. The network's input is the noisy image's planes
/// followed by one plane of σ/255 (σ on the 0–255 scale), so one model serves every σ of its range without guessing
/// it from the image — a blind model has to, and on textured photographs it takes texture for noise. In an exported
/// graph the plane is built from a scalar input named <see cref="InputName"/> (one σ per frame).
/// </summary>
public static class NoiseLevelMap
{
    /// <summary>The exported graph's second input: float32 [1, 1, 1, 1], σ/255.</summary>
    public const string InputName = "noise_level";

    /// <summary>The value of the plane for σ on the 0–255 scale.</summary>
    public static float Level(double sigma) => (float)(sigma / 255.0);

    /// <summary>The image's planes followed by a plane of <see cref="Level"/>(σ).</summary>
    public static PlanarImage Append(PlanarImage image, double sigma)
    {
        var plane = image.Height * image.Width;
        var data = new float[(image.Channels + 1) * plane];
        image.Data.AsSpan().CopyTo(data);
        data.AsSpan(image.Channels * plane).Fill(Level(sigma));
        return new PlanarImage(image.Channels + 1, image.Height, image.Width, data);
    }

    /// <summary>
    /// The inverse of <see cref="Append"/>: a network input told the noise split into its image (every plane but the last)
    /// and its level (the last plane's value, uniform by construction).
    /// </summary>
    public static (PlanarImage Image, float Level) Split(PlanarImage told)
    {
        if (told.Channels < 2) throw new ArgumentException($"an input told the noise has the image's planes and a level plane; this one has {told.Channels} plane(s)", nameof(told));
        var plane = told.Height * told.Width;
        var channels = told.Channels - 1;
        return (new PlanarImage(channels, told.Height, told.Width, told.Data.AsSpan(0, channels * plane).ToArray()), told.Data[channels * plane]);
    }
}
