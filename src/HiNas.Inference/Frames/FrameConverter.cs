using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

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
    /// by nearest neighbour. Each plane's row is converted to bytes with vector instructions, then the bytes are
    /// interleaved (one pixel at a time, the conversion took 8–15 ms for a 1280×720 RGBA frame).
    /// </summary>
    public static void FromPlanar(ReadOnlySpan<float> planes, int outWidth, int outHeight, int planeCount, ReadOnlySpan<byte> source, FrameLayout sourceLayout, int scale, Span<byte> output)
    {
        var format = sourceLayout.Format;
        var bpp = format.BytesPerPixel();
        var size = outWidth * outHeight;
        if (output.Length < size * bpp) throw new ArgumentException($"need {size * bpp} bytes, got {output.Length}", nameof(output));
        if (planes.Length < planeCount * size) throw new ArgumentException($"need {planeCount * size} floats, got {planes.Length}", nameof(planes));
        var scratch = ArrayPool<float>.Shared.Rent(outWidth);
        var channelBytes = ArrayPool<byte>.Shared.Rent(3 * outWidth);
        try
        {
            var scaled = scratch.AsSpan(0, outWidth);
            var r = channelBytes.AsSpan(0, outWidth);
            var g = channelBytes.AsSpan(outWidth, outWidth);
            var b = channelBytes.AsSpan(2 * outWidth, outWidth);
            for (var y = 0; y < outHeight; y++)
            {
                var row = output.Slice(y * outWidth * bpp, outWidth * bpp);
                var o = y * outWidth;
                var red = planes.Slice(o, outWidth);
                var green = planeCount == 3 ? planes.Slice(size + o, outWidth) : red;
                var blue = planeCount == 3 ? planes.Slice(2 * size + o, outWidth) : red;
                if (format == PixelFormat.Gray8)
                {
                    if (planeCount == 3)
                    {
                        // BT.601 luma
                        TensorPrimitives.Multiply(red, 0.299f, scaled);
                        TensorPrimitives.MultiplyAdd(green, 0.587f, scaled, scaled);
                        TensorPrimitives.MultiplyAdd(blue, 0.114f, scaled, scaled);
                        ToBytes(scaled, row);
                    }
                    else ToBytes(red, row);
                    continue;
                }
                ToBytes(red, r);
                ToBytes(green, g);
                ToBytes(blue, b);
                var alphaRow = format.HasAlpha() ? source.Slice(y / scale * sourceLayout.Stride, sourceLayout.RowBytes) : default;
                switch (format)
                {
                    case PixelFormat.Rgba8:
                        for (var x = 0; x < outWidth; x++)
                        {
                            row[4 * x] = r[x];
                            row[4 * x + 1] = g[x];
                            row[4 * x + 2] = b[x];
                            row[4 * x + 3] = alphaRow[4 * (x / scale) + 3];
                        }
                        break;
                    case PixelFormat.Bgra8:
                        for (var x = 0; x < outWidth; x++)
                        {
                            row[4 * x] = b[x];
                            row[4 * x + 1] = g[x];
                            row[4 * x + 2] = r[x];
                            row[4 * x + 3] = alphaRow[4 * (x / scale) + 3];
                        }
                        break;
                    case PixelFormat.Rgb8:
                        for (var x = 0; x < outWidth; x++)
                        {
                            row[3 * x] = r[x];
                            row[3 * x + 1] = g[x];
                            row[3 * x + 2] = b[x];
                        }
                        break;
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scratch);
            ArrayPool<byte>.Shared.Return(channelBytes);
        }
    }

    /// <summary>
    /// <see cref="ToByte"/> of each value, 32 at a time: ×255 + ½, clamped, truncated, narrowed. Written out because
    /// <see cref="TensorPrimitives"/>' float → byte conversions run about one value per nanosecond here, ten times this.
    /// NaN converts to 0, as in <see cref="ToByte"/>.
    /// </summary>
    private static void ToBytes(ReadOnlySpan<float> values, Span<byte> bytes)
    {
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i <= values.Length - 32; i += 32)
            {
                var low = Vector256.Narrow(Quantized(values, i), Quantized(values, i + 8));
                var high = Vector256.Narrow(Quantized(values, i + 16), Quantized(values, i + 24));
                Vector256.Narrow(low.AsUInt16(), high.AsUInt16()).CopyTo(bytes.Slice(i, 32));
            }
        for (; i < values.Length; i++) bytes[i] = ToByte(values[i]);
    }

    private static Vector256<int> Quantized(ReadOnlySpan<float> values, int at)
    {
        var scaled = Vector256.Create(values.Slice(at, 8)) * 255f + Vector256.Create(0.5f);
        // NaN passes Max and Min (IEEE 754:2019) and converts to 0 (.NET's conversions saturate), as in ToByte
        return Vector256.ConvertToInt32(Vector256.Min(Vector256.Max(scaled, Vector256<float>.Zero), Vector256.Create(255f)));
    }

    public static byte ToByte(float value)
    {
        var scaled = value * 255f + 0.5f;
        return scaled <= 0 ? (byte)0 : scaled >= 255 ? (byte)255 : (byte)scaled;
    }
}
