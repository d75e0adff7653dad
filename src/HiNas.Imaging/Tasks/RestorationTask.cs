using System.Globalization;
using HiNas.Imaging.Degradations;
using HiNas.Imaging.Pixels;
using HiNas.Imaging.Randomness;

namespace HiNas.Imaging.Tasks;

/// <summary>
/// What a network restores: Gaussian denoising at σ (on [0, 255]) or bicubic super-resolution ×scale,
/// on gray (1) or RGB (3) images. The one description of a task from search to serving.
/// </summary>
public sealed record RestorationTask
{
    private RestorationTask(RestorationKind kind, double sigma, int scale, int channels)
    {
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), channels, "channels must be 1 (gray) or 3 (RGB)");
        Kind = kind;
        Sigma = sigma;
        Scale = scale;
        Channels = channels;
    }

    public RestorationKind Kind { get; }

    /// <summary>Noise σ on the [0, 255] scale (denoising); 0 for super-resolution.</summary>
    public double Sigma { get; }

    /// <summary>Upscaling factor (super-resolution); 1 for denoising.</summary>
    public int Scale { get; }

    public int Channels { get; }

    public static RestorationTask Denoise(double sigma, int channels)
    {
        if (!double.IsFinite(sigma) || sigma <= 0 || sigma > 255)
            throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "noise σ must be in (0, 255]");
        return new RestorationTask(RestorationKind.Denoise, sigma, 1, channels);
    }

    public static RestorationTask SuperResolution(int scale, int channels)
    {
        if (scale is < 2 or > 4) throw new ArgumentOutOfRangeException(nameof(scale), scale, "the SR scale must be 2, 3 or 4");
        return new RestorationTask(RestorationKind.SuperResolution, 0, scale, channels);
    }

    /// <summary>"denoise-s25-gray", "sr-x2-rgb": used in run names and model ids.</summary>
    public string Slug => Kind == RestorationKind.Denoise
        ? $"denoise-s{Sigma.ToString("0.##", CultureInfo.InvariantCulture)}-{(Channels == 1 ? "gray" : "rgb")}"
        : $"sr-x{Scale}-{(Channels == 1 ? "gray" : "rgb")}";

    public override string ToString() => Slug;

    /// <summary>
    /// The evaluation degradation of a clean image: noise seeded by <paramref name="seed"/> (not clipped), or the
    /// MATLAB-style bicubic downscale of the image cropped to a multiple of the scale. Returns the pair
    /// (input, target); for SR the target is the cropped image.
    /// </summary>
    public (PlanarImage Input, PlanarImage Target) Degrade(PlanarImage clean, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(clean);
        if (clean.Channels != Channels) throw new ArgumentException($"the task is {Slug} but the image has {clean.Channels} channel(s)", nameof(clean));
        if (Kind == RestorationKind.Denoise) return (GaussianNoise.Apply(clean, Sigma, seed, clip: false), clean);
        var target = CropToScale(clean);
        return (MatlabBicubic.Downscale(target, Scale), target);
    }

    /// <summary>Denoising with a noise stream (fresh noise per training sample); SR ignores the stream.</summary>
    public PlanarImage DegradePatch(PlanarImage clean, DeterministicRandom random)
    {
        return Kind == RestorationKind.Denoise
            ? GaussianNoise.Apply(clean, Sigma, random, clip: false)
            : MatlabBicubic.Downscale(clean, Scale);
    }

    /// <summary>A patch side of at least <paramref name="pixels"/> that is a multiple of the scale (training crops are HR patches).</summary>
    public int RoundUpToScale(int pixels) => (pixels + Scale - 1) / Scale * Scale;

    /// <summary>The image cropped (top-left anchored) to height and width multiples of the scale.</summary>
    public PlanarImage CropToScale(PlanarImage image)
    {
        var h = image.Height - image.Height % Scale;
        var w = image.Width - image.Width % Scale;
        if (h < Scale || w < Scale) throw new ArgumentException($"a {image.Height}×{image.Width} image is smaller than the scale ×{Scale}");
        return h == image.Height && w == image.Width ? image : image.Crop(0, 0, h, w);
    }
}
