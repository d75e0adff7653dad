using HiNas.Imaging.Pixels;

namespace HiNas.Imaging.Metrics;

/// <summary>
/// Structural similarity (Wang et al. 2004) on the [0, 255] scale: 11×11 Gaussian window with σ = 1.5,
/// C1 = (0.01·255)², C2 = (0.03·255)², the map over the valid window positions only (no padding),
/// its mean per channel, then the mean over channels.
/// </summary>
public static class Ssim
{
    public const int WindowSize = 11;
    public const double WindowSigma = 1.5;
    private const double C1 = 0.01 * 255 * 0.01 * 255;
    private const double C2 = 0.03 * 255 * 0.03 * 255;

    /// <summary>SSIM of images on the [0, 1] scale.</summary>
    public static double Compute(PlanarImage reference, PlanarImage test) => Compute(reference, test, 255.0);

    /// <summary>SSIM of images already on the [0, 255] scale (e.g. the Y channel).</summary>
    public static double Compute255(PlanarImage reference, PlanarImage test) => Compute(reference, test, 1.0);

    /// <summary>The normalised 1-D Gaussian whose outer product is the 11×11 window.</summary>
    public static double[] Kernel1D()
    {
        var kernel = new double[WindowSize];
        var half = WindowSize / 2;
        double sum = 0;
        for (var i = 0; i < WindowSize; i++)
        {
            var d = i - half;
            kernel[i] = Math.Exp(-(d * d) / (2 * WindowSigma * WindowSigma));
            sum += kernel[i];
        }
        for (var i = 0; i < WindowSize; i++) kernel[i] /= sum;
        return kernel;
    }

    private static double Compute(PlanarImage reference, PlanarImage test, double scale)
    {
        MetricGuards.CheckSameShape(reference, test);
        if (reference.Height < WindowSize || reference.Width < WindowSize)
            throw new ArgumentException($"SSIM needs images of at least {WindowSize}×{WindowSize} pixels, got {reference.Height}×{reference.Width}");
        var kernel = Kernel1D();
        double total = 0;
        for (var c = 0; c < reference.Channels; c++)
            total += Channel(reference.Plane(c), test.Plane(c), reference.Height, reference.Width, scale, kernel);
        return total / reference.Channels;
    }

    private static double Channel(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int height, int width, double scale, double[] kernel)
    {
        var n = height * width;
        var x = new double[n];
        var y = new double[n];
        var xx = new double[n];
        var yy = new double[n];
        var xy = new double[n];
        for (var i = 0; i < n; i++)
        {
            var p = a[i] * scale;
            var q = b[i] * scale;
            x[i] = p;
            y[i] = q;
            xx[i] = p * p;
            yy[i] = q * q;
            xy[i] = p * q;
        }
        var outH = height - WindowSize + 1;
        var outW = width - WindowSize + 1;
        var muX = ValidFilter(x, height, width, kernel);
        var muY = ValidFilter(y, height, width, kernel);
        var sXX = ValidFilter(xx, height, width, kernel);
        var sYY = ValidFilter(yy, height, width, kernel);
        var sXY = ValidFilter(xy, height, width, kernel);
        double sum = 0;
        for (var i = 0; i < outH * outW; i++)
        {
            var mx = muX[i];
            var my = muY[i];
            var varX = sXX[i] - mx * mx;
            var varY = sYY[i] - my * my;
            var cov = sXY[i] - mx * my;
            sum += (2 * mx * my + C1) * (2 * cov + C2) / ((mx * mx + my * my + C1) * (varX + varY + C2));
        }
        var mean = sum / (outH * outW);
        if (!double.IsFinite(mean)) throw new ArgumentException("an image has NaN or infinite samples");
        return mean;
    }

    /// <summary>Separable correlation with the Gaussian, valid positions only.</summary>
    private static double[] ValidFilter(double[] source, int height, int width, double[] kernel)
    {
        var outH = height - WindowSize + 1;
        var outW = width - WindowSize + 1;
        var horizontal = new double[height * outW];
        for (var r = 0; r < height; r++)
        {
            var row = r * width;
            for (var c = 0; c < outW; c++)
            {
                double s = 0;
                for (var k = 0; k < WindowSize; k++) s += kernel[k] * source[row + c + k];
                horizontal[r * outW + c] = s;
            }
        }
        var result = new double[outH * outW];
        for (var r = 0; r < outH; r++)
            for (var c = 0; c < outW; c++)
            {
                double s = 0;
                for (var k = 0; k < WindowSize; k++) s += kernel[k] * horizontal[(r + k) * outW + c];
                result[r * outW + c] = s;
            }
        return result;
    }
}
