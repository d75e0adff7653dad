using HiNas.Imaging.Pixels;

namespace HiNas.Imaging.Metrics;

/// <summary>Peak signal-to-noise ratio on the [0, 255] scale.</summary>
public static class Psnr
{
    /// <summary>
    /// PSNR in dB of two same-shaped images whose samples are on the [0, 1] scale (multiplied by 255 here):
    /// 10·log10(255² / MSE), the MSE taken over every sample of every channel. Identical images give +∞.
    /// </summary>
    public static double Compute(PlanarImage reference, PlanarImage test) => FromMse(MeanSquaredError255(reference, test, 255.0));

    /// <summary>The same on images already on the [0, 255] scale (e.g. the Y channel).</summary>
    public static double Compute255(PlanarImage reference, PlanarImage test) => FromMse(MeanSquaredError255(reference, test, 1.0));

    /// <summary>PSNR in dB for a mean squared error on the [0, 255] scale.</summary>
    public static double FromMse(double mse)
    {
        if (double.IsNaN(mse) || mse < 0) throw new ArgumentOutOfRangeException(nameof(mse), mse, "MSE must be ≥ 0");
        return mse == 0 ? double.PositiveInfinity : 10.0 * Math.Log10(255.0 * 255.0 / mse);
    }

    private static double MeanSquaredError255(PlanarImage reference, PlanarImage test, double scale)
    {
        MetricGuards.CheckSameShape(reference, test);
        var a = reference.Data;
        var b = test.Data;
        double sum = 0;
        for (var i = 0; i < a.Length; i++)
        {
            var d = ((double)a[i] - b[i]) * scale;
            sum += d * d;
        }
        var mse = sum / a.Length;
        if (!double.IsFinite(mse)) throw new ArgumentException("an image has NaN or infinite samples");
        return mse;
    }
}
