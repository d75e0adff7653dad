namespace HiNas.Inference.Engine;

/// <summary>
/// Planes padded at their bottom and right by repeating the last row and column (what a frame-time network's
/// pixel-unshuffle needs when a side is not a multiple of its factor; the network's training pads the same way),
/// and the model's output cropped back.
/// </summary>
public static class EdgePadded
{
    /// <summary>Sides rounded up to a multiple.</summary>
    public static int RoundUp(int length, int multiple) => (length + multiple - 1) / multiple * multiple;

    /// <summary>
    /// Runs <paramref name="run"/> (planes of ph × pw in, planes of ph·scale × pw·scale out) on <paramref name="planes"/>
    /// planes of h × w padded to multiples of <paramref name="multiple"/>, and returns its output cropped to h·scale × w·scale.
    /// </summary>
    public static float[] Run(float[] input, int planes, int h, int w, int multiple, int scale, Func<float[], int, int, float[]> run)
    {
        var (ph, pw) = (RoundUp(h, multiple), RoundUp(w, multiple));
        if (ph == h && pw == w) return run(input, h, w);
        var padded = new float[planes * ph * pw];
        Copy(input, padded, planes, h, w, ph, pw);
        var output = run(padded, ph, pw);
        var cropped = new float[planes * h * scale * w * scale];
        Crop(output, cropped, planes, ph * scale, pw * scale, h * scale, w * scale);
        return cropped;
    }

    /// <summary>Copies <paramref name="planes"/> planes of h × w into planes of ph × pw (ph ≥ h, pw ≥ w), edges repeated.</summary>
    public static void Copy(ReadOnlySpan<float> source, Span<float> target, int planes, int h, int w, int ph, int pw)
    {
        for (var p = 0; p < planes; p++)
        {
            var plane = target.Slice(p * ph * pw, ph * pw);
            for (var y = 0; y < ph; y++)
            {
                var row = plane.Slice(y * pw, pw);
                source.Slice(p * h * w + Math.Min(y, h - 1) * w, w).CopyTo(row);
                row[w..].Fill(row[w - 1]);
            }
        }
    }

    /// <summary>The top-left oh × ow of each of <paramref name="planes"/> planes of sh × sw.</summary>
    public static void Crop(ReadOnlySpan<float> source, Span<float> target, int planes, int sh, int sw, int oh, int ow)
    {
        for (var p = 0; p < planes; p++)
            for (var y = 0; y < oh; y++)
                source.Slice(p * sh * sw + y * sw, ow).CopyTo(target.Slice(p * oh * ow + y * ow, ow));
    }
}
