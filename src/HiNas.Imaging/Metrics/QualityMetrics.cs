using HiNas.Imaging.Pixels;

namespace HiNas.Imaging.Metrics;

/// <summary>PSNR and SSIM of one image pair.</summary>
public sealed record QualityScore(double Psnr, double Ssim);

/// <summary>
/// The evaluation protocol in one call: optional border shave, optional Y channel (BT.601 studio range) for
/// RGB pairs, then PSNR and SSIM on the [0, 255] scale. Gray pairs are measured as they are (Y of a gray
/// image is the image).
/// </summary>
public static class QualityMetrics
{
    public static QualityScore Measure(PlanarImage reference, PlanarImage test, bool yChannel = false, int shave = 0)
    {
        MetricGuards.CheckSameShape(reference, test);
        if (shave < 0) throw new ArgumentOutOfRangeException(nameof(shave), shave, "shave must not be negative");
        var a = reference.Shave(shave);
        var b = test.Shave(shave);
        if (yChannel && a.Channels == 3)
        {
            var ya = ColorConversion.RgbToY255(a);
            var yb = ColorConversion.RgbToY255(b);
            return new QualityScore(Psnr.Compute255(ya, yb), Ssim.Compute255(ya, yb));
        }
        return new QualityScore(Psnr.Compute(a, b), Ssim.Compute(a, b));
    }
}
