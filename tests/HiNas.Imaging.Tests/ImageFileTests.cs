using HiNas.Imaging.IO;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace HiNas.Imaging.Tests;

public class ImageFileTests
{
    private readonly string _dir = TestImages.TempDir();

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void PngRoundTripsExactlyOn8BitValues(int channels)
    {
        var image = TestImages.From(channels, 9, 11, (c, y, x) => ((x * 31 + y * 17 + c * 101) % 256) / 255.0);
        var path = Path.Combine(_dir, $"round{channels}.png");
        ImageFile.SavePng(image, path);
        var back = ImageFile.Load(path);
        Assert.Equal(channels, back.Channels);
        Assert.Equal(image.Data, back.Data);
    }

    [Fact]
    public void SavingRoundsAndClamps()
    {
        Assert.Equal(0, ImageFile.ToByte(-0.3f));
        Assert.Equal(255, ImageFile.ToByte(1.7f));
        Assert.Equal(128, ImageFile.ToByte(127.5f / 255f));
        Assert.Equal(127, ImageFile.ToByte(127.4f / 255f));
    }

    [Fact]
    public void ColorModesConvert()
    {
        var rgb = TestImages.From(3, 4, 4, (c, _, _) => c == 0 ? 1.0 : 0.0); // pure red
        var path = Path.Combine(_dir, "red.png");
        ImageFile.SavePng(rgb, path);
        var gray = ImageFile.Load(path, ColorMode.Gray);
        Assert.Equal(1, gray.Channels);
        Assert.Equal(0.299, gray[0, 0, 0], 3);
        var grayPath = Path.Combine(_dir, "gray.png");
        ImageFile.SavePng(gray, grayPath);
        Assert.Equal(1, ImageFile.Load(grayPath).Channels);
        Assert.Equal(3, ImageFile.Load(grayPath, ColorMode.Rgb).Channels);
    }

    [Fact]
    public void JpegAndBmpLoad()
    {
        using (var img = new Image<Rgb24>(16, 12, new Rgb24(200, 100, 50)))
        {
            img.SaveAsJpeg(Path.Combine(_dir, "a.jpg"));
            img.SaveAsBmp(Path.Combine(_dir, "a.bmp"));
        }
        var jpeg = ImageFile.Load(Path.Combine(_dir, "a.jpg"));
        var bmp = ImageFile.Load(Path.Combine(_dir, "a.bmp"));
        Assert.Equal((3, 12, 16), (jpeg.Channels, jpeg.Height, jpeg.Width));
        Assert.Equal(200 / 255f, bmp[0, 5, 5]);
        Assert.InRange(jpeg[0, 5, 5], 190 / 255f, 210 / 255f);
    }

    [Fact]
    public void CorruptFileIsRefusedNamingTheFile()
    {
        var path = Path.Combine(_dir, "corrupt.png");
        File.WriteAllBytes(path, "this is not an image at all"u8.ToArray());
        var error = Assert.Throws<ImageDecodeException>(() => ImageFile.Load(path));
        Assert.Contains("corrupt.png", error.Message);
        Assert.Contains("not a PNG, JPEG or BMP", error.Message);
    }

    [Fact]
    public void DamagedPngBodyIsRefused()
    {
        var path = Path.Combine(_dir, "damaged.png");
        ImageFile.SavePng(TestImages.From(3, 64, 64, (c, y, x) => (x ^ y ^ c) % 7 / 7.0), path);
        var bytes = File.ReadAllBytes(path);
        for (var i = 60; i < bytes.Length - 20; i++) bytes[i] ^= 0x5A; // scramble IDAT, keep signature/IHDR/IEND
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<ImageDecodeException>(() => ImageFile.Load(path));
        Assert.Contains("damaged.png", error.Message);
    }

    [Theory]
    [InlineData("png")]
    [InlineData("jpg")]
    public void TruncatedFileIsRefused(string extension)
    {
        var full = Path.Combine(_dir, $"full.{extension}");
        using (var img = new Image<Rgb24>(64, 64))
        {
            for (var y = 0; y < 64; y++)
                for (var x = 0; x < 64; x++)
                    img[x, y] = new Rgb24((byte)(x * 4), (byte)(y * 4), (byte)(x ^ y));
            img.Save(full);
        }
        var bytes = File.ReadAllBytes(full);
        var cut = Path.Combine(_dir, $"cut.{extension}");
        File.WriteAllBytes(cut, bytes.AsSpan(0, bytes.Length * 2 / 3).ToArray());

        var error = Assert.Throws<ImageDecodeException>(() => ImageFile.Load(cut));
        Assert.Contains($"cut.{extension}", error.Message);
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void OversizedImageIsRefusedBeforeDecoding()
    {
        var path = Path.Combine(_dir, "big.png");
        ImageFile.SavePng(TestImages.Constant(1, 100, 100, 0.5), path);
        var error = Assert.Throws<ImageDecodeException>(() => ImageFile.Load(path, options: new ImageLoadOptions { MaxPixels = 9_999 }));
        Assert.Contains("exceeds the limit of 9999", error.Message);
        Assert.Equal(100, ImageFile.Load(path, options: new ImageLoadOptions { MaxPixels = 10_000 }).Width);
    }

    [Fact]
    public void MissingAndEmptyFilesAreRefused()
    {
        Assert.Contains("no such file", Assert.Throws<ImageDecodeException>(() => ImageFile.Load(Path.Combine(_dir, "none.png"))).Message);
        var empty = Path.Combine(_dir, "empty.png");
        File.WriteAllBytes(empty, Array.Empty<byte>());
        Assert.Contains("empty", Assert.Throws<ImageDecodeException>(() => ImageFile.Load(empty)).Message);
    }
}

public class JpegDecodingTests
{
    private static string Data(string name) => Path.Combine(AppContext.BaseDirectory, "Data", name);

    /// <summary>
    /// The fixtures were encoded and decoded by libjpeg (PIL) when they were made: colour 4:2:0 and gray.
    /// JPEG pixels must match libjpeg exactly, or PSNR against any other tool drifts.
    /// </summary>
    [Theory]
    [InlineData("libjpeg_420", 3)]
    [InlineData("libjpeg_gray", 1)]
    public void JpegDecodesExactlyAsLibjpeg(string name, int channels)
    {
        var decoded = ImageFile.Load(Data(name + ".jpg"));
        var reference = ImageFile.Load(Data(name + ".decoded.png"));
        Assert.Equal(channels, decoded.Channels);
        Assert.Equal(reference.Data, decoded.Data);
    }
}
