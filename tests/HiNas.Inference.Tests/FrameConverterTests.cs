using HiNas.Inference.Frames;

namespace HiNas.Inference.Tests;

public class FrameConverterTests
{
    /// <summary>A frame whose pixel (x, y) channel k holds (7x + 13y + 61k) mod 256, with padding bytes of 0xEE after each row.</summary>
    private static (byte[] Bytes, FrameLayout Layout) Frame(PixelFormat format, int width, int height, int padding)
    {
        var bpp = format.BytesPerPixel();
        var stride = width * bpp + padding;
        var bytes = Enumerable.Repeat((byte)0xEE, stride * height).ToArray();
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
                for (var k = 0; k < bpp; k++)
                    bytes[y * stride + x * bpp + k] = (byte)((7 * x + 13 * y + 61 * k) % 256);
        return (bytes, new FrameLayout(width, height, stride, format));
    }

    [Theory]
    [InlineData(PixelFormat.Rgba8, 0, 1, 2)]
    [InlineData(PixelFormat.Bgra8, 2, 1, 0)]
    [InlineData(PixelFormat.Rgb8, 0, 1, 2)]
    public void ColourFramesWithPaddedRowsBecomeRgbPlanesAndComeBackExactly(PixelFormat format, int r, int g, int b)
    {
        var (bytes, layout) = Frame(format, 5, 3, padding: 7);
        var planes = new float[3 * 15];
        FrameConverter.ToPlanar(bytes, layout, modelChannels: 3, planes);

        for (var y = 0; y < 3; y++)
            for (var x = 0; x < 5; x++)
            {
                var at = y * layout.Stride + x * format.BytesPerPixel();
                Assert.Equal(bytes[at + r] / 255f, planes[y * 5 + x]);
                Assert.Equal(bytes[at + g] / 255f, planes[15 + y * 5 + x]);
                Assert.Equal(bytes[at + b] / 255f, planes[30 + y * 5 + x]);
            }

        var back = new byte[15 * format.BytesPerPixel()];
        FrameConverter.FromPlanar(planes, 5, 3, 3, bytes, layout, 1, back);
        for (var y = 0; y < 3; y++)
            Assert.Equal(bytes.AsSpan(y * layout.Stride, layout.RowBytes).ToArray(), back.AsSpan(y * layout.RowBytes, layout.RowBytes).ToArray());
    }

    [Fact]
    public void GrayFramesFeedGrayModelsDirectlyAndRgbModelsReplicated()
    {
        var (bytes, layout) = Frame(PixelFormat.Gray8, 4, 2, padding: 3);
        Assert.Equal(1, FrameConverter.PlaneCount(PixelFormat.Gray8, 1));
        Assert.Equal(3, FrameConverter.PlaneCount(PixelFormat.Gray8, 3));
        var one = new float[8];
        FrameConverter.ToPlanar(bytes, layout, 1, one);
        var three = new float[24];
        FrameConverter.ToPlanar(bytes, layout, 3, three);
        Assert.Equal(bytes[layout.Stride + 2] / 255f, one[6]);
        Assert.Equal(one, three[..8]);
        Assert.Equal(one, three[16..]);

        var back = new byte[8];
        FrameConverter.FromPlanar(three, 4, 2, 3, bytes, layout, 1, back); // luma of three equal planes = the plane
        Assert.Equal(bytes.AsSpan(layout.Stride, 4).ToArray(), back[4..]);
    }

    [Fact]
    public void AlphaPassesThroughAndIsUpscaledByNearestNeighbour()
    {
        var (bytes, layout) = Frame(PixelFormat.Rgba8, 3, 2, padding: 4);
        var planes = new float[3 * 6 * 4];
        var output = new byte[6 * 4 * 4];
        FrameConverter.FromPlanar(planes, 6, 4, 3, bytes, layout, scale: 2, output);
        for (var y = 0; y < 4; y++)
            for (var x = 0; x < 6; x++)
                Assert.Equal(bytes[y / 2 * layout.Stride + x / 2 * 4 + 3], output[(y * 6 + x) * 4 + 3]);
    }

    [Theory]
    [InlineData(0, 4, 12, PixelFormat.Rgb8, 100, "positive")]
    [InlineData(4, 4, 11, PixelFormat.Rgb8, 100, "stride 11 is smaller")]
    [InlineData(4, 4, 12, PixelFormat.Rgb8, 40, "needs 48")]
    [InlineData(4, 4, 12, PixelFormat.Rgb8, 0, "no bytes")]
    [InlineData(20000, 4, 60000, PixelFormat.Rgb8, 1 << 20, "side limit")]
    [InlineData(4, 4, 16, (PixelFormat)9, 100, "unknown")]
    public void BadLayoutsAreNamed(int width, int height, int stride, PixelFormat format, int bytes, string expected)
    {
        Assert.Contains(expected, new FrameLayout(width, height, stride, format).Problem(bytes));
    }

    [Fact]
    public void ALastRowWithoutPaddingIsEnough()
    {
        Assert.Null(new FrameLayout(4, 3, 20, PixelFormat.Rgba8).Problem(2 * 20 + 16));
    }

    /// <summary>
    /// Output bytes are <see cref="FrameConverter.ToByte"/> of each value — rounded half up, clamped, NaN to 0 — in the
    /// vectorised body of a row (32 values at a time) as in its tail, for every format and for gray output's luma.
    /// </summary>
    [Theory]
    [InlineData(PixelFormat.Rgba8)]
    [InlineData(PixelFormat.Bgra8)]
    [InlineData(PixelFormat.Rgb8)]
    [InlineData(PixelFormat.Gray8)]
    public void EveryOutputByteIsTheRoundedClampedValue(PixelFormat format)
    {
        const int width = 77, height = 3; // two vector blocks and a tail per row
        var size = width * height;
        var random = new Random(7);
        var special = new[] { -1f, -0.001f, 0f, 0.5f / 255f, 127.5f / 255f, 127.4999f / 255f, 1f, 1.0001f, 3f, float.NaN, float.PositiveInfinity, float.NegativeInfinity };
        var planes = new float[3 * size];
        for (var i = 0; i < planes.Length; i++) planes[i] = i % 5 == 0 ? special[i / 5 % special.Length] : (float)(random.NextDouble() * 1.4 - 0.2);
        var (source, layout) = Frame(format, width, height, padding: 0);
        var output = new byte[size * format.BytesPerPixel()];
        FrameConverter.FromPlanar(planes, width, height, 3, source, layout, 1, output);
        for (var p = 0; p < size; p++)
        {
            var (r, g, b) = (planes[p], planes[size + p], planes[2 * size + p]);
            var expected = format switch
            {
                PixelFormat.Rgba8 => new[] { FrameConverter.ToByte(r), FrameConverter.ToByte(g), FrameConverter.ToByte(b), source[4 * p + 3] },
                PixelFormat.Bgra8 => new[] { FrameConverter.ToByte(b), FrameConverter.ToByte(g), FrameConverter.ToByte(r), source[4 * p + 3] },
                PixelFormat.Rgb8 => new[] { FrameConverter.ToByte(r), FrameConverter.ToByte(g), FrameConverter.ToByte(b) },
                _ => new[] { FrameConverter.ToByte(0.299f * r + 0.587f * g + 0.114f * b) },
            };
            Assert.Equal(expected, output.AsSpan(p * expected.Length, expected.Length).ToArray());
        }
    }
}
