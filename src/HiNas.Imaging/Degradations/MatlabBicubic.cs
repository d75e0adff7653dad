using HiNas.Imaging.Pixels;

namespace HiNas.Imaging.Degradations;

/// <summary>
/// Bicubic resizing that reproduces MATLAB's <c>imresize(I, scale, 'bicubic')</c>: Keys cubic with a = −0.5,
/// the kernel widened by 1/scale when downscaling (antialiasing), sample positions
/// u = x/scale + ½(1 − 1/scale) (1-based), and symmetric (mirror-with-repeat) borders. Computed in double,
/// separably; the output size is ceil(size·scale).
/// </summary>
public static class MatlabBicubic
{
    /// <summary>Downscales by an integer factor (output ceil(h/k) × ceil(w/k)).</summary>
    public static PlanarImage Downscale(PlanarImage image, int factor)
    {
        CheckFactor(factor);
        return Resize(image, 1.0 / factor, Ceil(image.Height, 1.0 / factor), Ceil(image.Width, 1.0 / factor));
    }

    /// <summary>Upscales by an integer factor (output h·k × w·k).</summary>
    public static PlanarImage Upscale(PlanarImage image, int factor)
    {
        CheckFactor(factor);
        return Resize(image, factor, image.Height * factor, image.Width * factor);
    }

    /// <summary>Resizes by <paramref name="scale"/> (the same along both axes) to the given output size.</summary>
    public static PlanarImage Resize(PlanarImage image, double scale, int outHeight, int outWidth)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (!(scale > 0) || !double.IsFinite(scale)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "scale must be positive");
        if (outHeight < 1 || outWidth < 1)
            throw new ArgumentOutOfRangeException(nameof(outHeight), $"output {outHeight}×{outWidth} is empty (input {image.Height}×{image.Width}, scale {scale})");

        var rows = Contributions.Compute(image.Height, outHeight, scale);
        var cols = Contributions.Compute(image.Width, outWidth, scale);
        var result = new PlanarImage(image.Channels, outHeight, outWidth);
        var temp = new double[outHeight * image.Width];
        for (var c = 0; c < image.Channels; c++)
        {
            var source = image.Plane(c);
            // Along the height first (MATLAB's order for equal scales), then along the width.
            Array.Clear(temp);
            for (var y = 0; y < outHeight; y++)
            {
                var row = temp.AsSpan(y * image.Width, image.Width);
                for (var k = 0; k < rows.Taps; k++)
                {
                    var w = rows.Weight(y, k);
                    if (w == 0) continue;
                    var src = source.Slice(rows.Index(y, k) * image.Width, image.Width);
                    for (var x = 0; x < row.Length; x++) row[x] += w * src[x];
                }
            }
            var target = result.Plane(c);
            for (var y = 0; y < outHeight; y++)
            {
                var row = temp.AsSpan(y * image.Width, image.Width);
                var output = target.Slice(y * outWidth, outWidth);
                for (var x = 0; x < outWidth; x++)
                {
                    double sum = 0;
                    for (var k = 0; k < cols.Taps; k++) sum += cols.Weight(x, k) * row[cols.Index(x, k)];
                    output[x] = (float)sum;
                }
            }
        }
        return result;
    }

    /// <summary>Keys' cubic convolution kernel with a = −0.5.</summary>
    public static double Cubic(double x)
    {
        var ax = Math.Abs(x);
        var ax2 = ax * ax;
        var ax3 = ax2 * ax;
        if (ax <= 1) return 1.5 * ax3 - 2.5 * ax2 + 1;
        if (ax <= 2) return -0.5 * ax3 + 2.5 * ax2 - 4 * ax + 2;
        return 0;
    }

    private static int Ceil(int length, double scale) => (int)Math.Ceiling(length * scale - 1e-9);

    private static void CheckFactor(int factor)
    {
        if (factor < 1) throw new ArgumentOutOfRangeException(nameof(factor), factor, "the scale factor must be a positive integer");
    }

    /// <summary>Per output sample: the input indices it reads and their normalised weights.</summary>
    internal sealed class Contributions
    {
        private readonly double[] _weights;
        private readonly int[] _indices;

        private Contributions(int taps, double[] weights, int[] indices)
        {
            Taps = taps;
            _weights = weights;
            _indices = indices;
        }

        public int Taps { get; }

        public double Weight(int output, int tap) => _weights[output * Taps + tap];

        public int Index(int output, int tap) => _indices[output * Taps + tap];

        public static Contributions Compute(int inLength, int outLength, double scale)
        {
            var antialias = scale < 1;
            var kernelWidth = antialias ? 4.0 / scale : 4.0;
            var taps = (int)Math.Ceiling(kernelWidth) + 2;
            var weights = new double[outLength * taps];
            var indices = new int[outLength * taps];
            for (var o = 0; o < outLength; o++)
            {
                var x = o + 1.0; // 1-based, as MATLAB
                var u = x / scale + 0.5 * (1 - 1 / scale);
                var left = Math.Floor(u - kernelWidth / 2);
                double sum = 0;
                for (var k = 0; k < taps; k++)
                {
                    var index = left + k;
                    var distance = u - index;
                    var w = antialias ? scale * Cubic(scale * distance) : Cubic(distance);
                    weights[o * taps + k] = w;
                    indices[o * taps + k] = Mirror((long)index, inLength);
                    sum += w;
                }
                for (var k = 0; k < taps; k++) weights[o * taps + k] /= sum;
            }
            return new Contributions(taps, weights, indices);
        }

        /// <summary>1-based MATLAB index → 0-based index with symmetric padding [1..n, n..1] repeated.</summary>
        private static int Mirror(long oneBased, int length)
        {
            var period = 2L * length;
            var m = ((oneBased - 1) % period + period) % period; // 0..2n-1
            return (int)(m < length ? m : period - 1 - m);
        }
    }
}
