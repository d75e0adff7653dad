namespace HiNas.Inference.Frames;

/// <summary>
/// Interleaved 8-bit frames ⇄ planar float32 in [0, 1]. A colour frame becomes three planes R, G, B (the same
/// memory serves an RGB model as one 3-channel image and a gray model as three 1-channel images — gray models
/// restore colour frames channel by channel); a gray frame becomes one plane (replicated to three for an RGB
/// model, whose output is brought back to gray by BT.601 luma). Alpha is passed through (nearest-neighbour
/// when upscaling). Output bytes are rounded half away from zero and clamped.
/// </summary>
public static class FrameConverter
{
    private static readonly float[] ByteToFloat = Enumerable.Range(0, 256).Select(i => i / 255f).ToArray();

    /// <summary>Planes written by <see cref="ToPlanar"/>: 3 for colour frames or RGB models, else 1.</summary>
    public static int PlaneCount(PixelFormat format, int modelChannels) => format.IsColor() || modelChannels == 3 ? 3 : 1;

    public static void ToPlanar(ReadOnlySpan<byte> pixels, FrameLayout layout, int modelChannels, Span<float> planes)
    {
        var (w, h) = (layout.Width, layout.Height);
        var size = w * h;
        var count = PlaneCount(layout.Format, modelChannels);
        if (planes.Length < count * size) throw new ArgumentException($"need {count * size} floats, got {planes.Length}", nameof(planes));
        var lut = ByteToFloat;
        for (var y = 0; y < h; y++)
        {
            var row = pixels.Slice(y * layout.Stride, layout.RowBytes);
            var o = y * w;
            switch (layout.Format)
            {
                case PixelFormat.Rgba8:
                    for (var x = 0; x < w; x++)
                    {
                        planes[o + x] = lut[row[4 * x]];
                        planes[size + o + x] = lut[row[4 * x + 1]];
                        planes[2 * size + o + x] = lut[row[4 * x + 2]];
                    }
                    break;
                case PixelFormat.Bgra8:
                    for (var x = 0; x < w; x++)
                    {
                        planes[o + x] = lut[row[4 * x + 2]];
                        planes[size + o + x] = lut[row[4 * x + 1]];
                        planes[2 * size + o + x] = lut[row[4 * x]];
                    }
                    break;
                case PixelFormat.Rgb8:
                    for (var x = 0; x < w; x++)
                    {
                        planes[o + x] = lut[row[3 * x]];
                        planes[size + o + x] = lut[row[3 * x + 1]];
                        planes[2 * size + o + x] = lut[row[3 * x + 2]];
                    }
                    break;
                case PixelFormat.Gray8:
                    for (var x = 0; x < w; x++) planes[o + x] = lut[row[x]];
                    break;
            }
        }
        if (layout.Format == PixelFormat.Gray8 && count == 3)
        {
            planes[..size].CopyTo(planes.Slice(size, size));
            planes[..size].CopyTo(planes.Slice(2 * size, size));
        }
    }

    /// <summary>
    /// Writes restored planes (outWidth × outHeight each, as many as <see cref="PlaneCount"/>) into a tightly packed
    /// frame of the input's pixel format; alpha comes from <paramref name="source"/>, upscaled ×<paramref name="scale"/>
    /// by nearest neighbour.
    /// </summary>
    public static void FromPlanar(ReadOnlySpan<float> planes, int outWidth, int outHeight, int planeCount, ReadOnlySpan<byte> source, FrameLayout sourceLayout, int scale, Span<byte> output)
    {
        var format = sourceLayout.Format;
        var bpp = format.BytesPerPixel();
        var size = outWidth * outHeight;
        if (output.Length < size * bpp) throw new ArgumentException($"need {size * bpp} bytes, got {output.Length}", nameof(output));
        for (var y = 0; y < outHeight; y++)
        {
            var row = output.Slice(y * outWidth * bpp, outWidth * bpp);
            var o = y * outWidth;
            var alphaRow = format.HasAlpha() ? source.Slice(y / scale * sourceLayout.Stride, sourceLayout.RowBytes) : default;
            for (var x = 0; x < outWidth; x++)
            {
                var r = planes[o + x];
                var g = planeCount == 3 ? planes[size + o + x] : r;
                var b = planeCount == 3 ? planes[2 * size + o + x] : r;
                switch (format)
                {
                    case PixelFormat.Rgba8:
                        row[4 * x] = ToByte(r);
                        row[4 * x + 1] = ToByte(g);
                        row[4 * x + 2] = ToByte(b);
                        row[4 * x + 3] = alphaRow[4 * (x / scale) + 3];
                        break;
                    case PixelFormat.Bgra8:
                        row[4 * x] = ToByte(b);
                        row[4 * x + 1] = ToByte(g);
                        row[4 * x + 2] = ToByte(r);
                        row[4 * x + 3] = alphaRow[4 * (x / scale) + 3];
                        break;
                    case PixelFormat.Rgb8:
                        row[3 * x] = ToByte(r);
                        row[3 * x + 1] = ToByte(g);
                        row[3 * x + 2] = ToByte(b);
                        break;
                    case PixelFormat.Gray8:
                        row[x] = planeCount == 3 ? ToByte(0.299f * r + 0.587f * g + 0.114f * b) : ToByte(r);
                        break;
                }
            }
        }
    }

    public static byte ToByte(float value)
    {
        var scaled = value * 255f + 0.5f;
        return scaled <= 0 ? (byte)0 : scaled >= 255 ? (byte)255 : (byte)scaled;
    }
}
