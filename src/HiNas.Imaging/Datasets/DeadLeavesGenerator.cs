using HiNas.Imaging.Pixels;
using HiNas.Imaging.Randomness;

namespace HiNas.Imaging.Datasets;

/// <summary>
/// Procedural dead-leaves images: opaque shapes (discs and rotated rectangles) with power-law radii fall
/// on the image one after another and hide what lies under them. Each shape has a random colour, a linear
/// shading and sometimes a stripe texture. Drawn front to back (the first shape is the top one) with a
/// coverage mask, so the work stops once every pixel is covered. Deterministic from the seed.
/// </summary>
public sealed class DeadLeavesGenerator
{
    private readonly DeadLeavesOptions _options;

    public DeadLeavesGenerator(DeadLeavesOptions? options = null)
    {
        _options = options ?? new DeadLeavesOptions();
        _options.Validate();
    }

    public PlanarImage Generate(int width, int height, int channels, ulong seed)
    {
        if (width < 1 || height < 1) throw new ArgumentOutOfRangeException(nameof(width), $"size {width}×{height} must be at least 1×1");
        if ((long)width * height > 1L << 28) throw new ArgumentOutOfRangeException(nameof(width), $"size {width}×{height} is too large");
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), channels, "channels must be 1 or 3");

        var random = new DeterministicRandom(seed);
        var image = new PlanarImage(channels, height, width);
        var covered = new bool[width * height];
        var uncovered = width * height;
        var rMin = _options.MinRadius;
        var rMax = Math.Max(rMin * 1.01, _options.MaxRadiusFraction * Math.Min(width, height));
        var color = new double[channels];

        for (var shape = 0; shape < _options.MaxShapes && uncovered > 0; shape++)
        {
            var radius = SampleRadius(random, rMin, rMax);
            var cx = random.NextDouble(-radius, width + radius);
            var cy = random.NextDouble(-radius, height + radius);
            var isRectangle = random.NextDouble() < _options.RectangleFraction;
            var angle = random.NextDouble(0, Math.PI);
            var aspect = random.NextDouble(0.3, 1.0);
            SampleColor(random, color);
            var shadeAngle = random.NextDouble(0, 2 * Math.PI);
            var shade = random.NextDouble(-_options.ShadingAmplitude, _options.ShadingAmplitude) / radius;
            var hasStripes = random.NextDouble() < _options.StripeFraction;
            var stripeFrequency = random.NextDouble(0.15, 1.2);
            var stripeAngle = random.NextDouble(0, Math.PI);
            var stripeAmplitude = hasStripes ? random.NextDouble(0.03, 0.15) : 0.0;

            var (cos, sin) = (Math.Cos(angle), Math.Sin(angle));
            var (shadeX, shadeY) = (Math.Cos(shadeAngle) * shade, Math.Sin(shadeAngle) * shade);
            var (stripeX, stripeY) = (Math.Cos(stripeAngle) * stripeFrequency, Math.Sin(stripeAngle) * stripeFrequency);
            var x0 = Math.Max(0, (int)Math.Floor(cx - radius));
            var x1 = Math.Min(width - 1, (int)Math.Ceiling(cx + radius));
            var y0 = Math.Max(0, (int)Math.Floor(cy - radius));
            var y1 = Math.Min(height - 1, (int)Math.Ceiling(cy + radius));
            for (var y = y0; y <= y1; y++)
            {
                var dy = y + 0.5 - cy;
                for (var x = x0; x <= x1; x++)
                {
                    var p = y * width + x;
                    if (covered[p]) continue;
                    var dx = x + 0.5 - cx;
                    if (!Inside(dx, dy, radius, isRectangle, cos, sin, aspect)) continue;
                    covered[p] = true;
                    uncovered--;
                    var offset = dx * shadeX + dy * shadeY + stripeAmplitude * Math.Sin(dx * stripeX + dy * stripeY);
                    for (var c = 0; c < channels; c++)
                        image.Data[c * width * height + p] = (float)Math.Clamp(color[c] + offset, 0.0, 1.0);
                }
            }
        }

        if (uncovered > 0)
        {
            SampleColor(random, color);
            for (var p = 0; p < covered.Length; p++)
                if (!covered[p])
                    for (var c = 0; c < channels; c++) image.Data[c * width * height + p] = (float)color[c];
        }
        return image;
    }

    private double SampleRadius(DeterministicRandom random, double rMin, double rMax)
    {
        // Inverse CDF of p(r) ∝ r^−α on [rMin, rMax].
        var e = 1 - _options.Alpha;
        var a = Math.Pow(rMin, e);
        var b = Math.Pow(rMax, e);
        return Math.Pow(a + random.NextDouble() * (b - a), 1 / e);
    }

    private static void SampleColor(DeterministicRandom random, double[] color)
    {
        if (color.Length == 1)
        {
            color[0] = random.NextDouble();
            return;
        }
        // A base luminance plus a chroma offset: saturated and pale colours both occur, as in photographs.
        var luminance = random.NextDouble();
        var saturation = random.NextDouble() * random.NextDouble();
        for (var c = 0; c < 3; c++)
            color[c] = Math.Clamp(luminance + saturation * (random.NextDouble() - 0.5) * 1.6, 0.0, 1.0);
    }

    private static bool Inside(double dx, double dy, double radius, bool rectangle, double cos, double sin, double aspect)
    {
        if (!rectangle) return dx * dx + dy * dy <= radius * radius;
        var u = dx * cos + dy * sin;
        var v = -dx * sin + dy * cos;
        var half = radius * 0.8;
        return Math.Abs(u) <= half && Math.Abs(v) <= half * aspect;
    }
}
