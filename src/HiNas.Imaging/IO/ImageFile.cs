using HiNas.Imaging.Pixels;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace HiNas.Imaging.IO;

/// <summary>
/// PNG/JPEG/BMP files ⇄ <see cref="PlanarImage"/> in [0, 1] (ImageSharp; JPEG decoding by <see cref="JpegDecoder"/>). Every failure is an
/// <see cref="ImageDecodeException"/> that names the file and what was wrong with it.
/// </summary>
public static class ImageFile
{
    public static readonly IReadOnlyList<string> Extensions = new[] { ".png", ".jpg", ".jpeg", ".bmp" };

    public static bool HasImageExtension(string path) =>
        Extensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    public static PlanarImage Load(string path, ColorMode mode = ColorMode.Auto, ImageLoadOptions? options = null)
    {
        options ??= ImageLoadOptions.Default;
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new ImageDecodeException(path, e is FileNotFoundException or DirectoryNotFoundException ? "no such file" : e.Message, e);
        }
        return Decode(bytes, path, mode, options);
    }

    /// <summary>Decodes an encoded image held in memory; <paramref name="name"/> is used in error messages.</summary>
    public static PlanarImage Decode(ReadOnlySpan<byte> encoded, string name, ColorMode mode = ColorMode.Auto, ImageLoadOptions? options = null)
    {
        options ??= ImageLoadOptions.Default;
        if (encoded.IsEmpty) throw new ImageDecodeException(name, "the file is empty");
        var bytes = encoded.ToArray();
        try
        {
            var info = Image.Identify(bytes, out var format);
            if (info is null || format is null) throw new ImageDecodeException(name, "not a PNG, JPEG or BMP image");
            if (!IsSupported(format)) throw new ImageDecodeException(name, $"{format.Name} images are not supported (PNG, JPEG, BMP are)");
            var pixels = (long)info.Width * info.Height;
            if (pixels > options.MaxPixels)
                throw new ImageDecodeException(name, $"{info.Width}×{info.Height} = {pixels} pixels exceeds the limit of {options.MaxPixels}");
            CheckComplete(bytes, format, name);

            if (format.Name == "JPEG")
                return JpegDecoder.Decode(bytes, name, mode == ColorMode.Gray || (mode == ColorMode.Auto && JpegDecoder.IsStoredGray(bytes)));

            var storedGray = IsStoredGray(info);
            var gray = mode switch
            {
                ColorMode.Gray => true,
                ColorMode.Rgb => false,
                _ => storedGray,
            };
            return gray ? DecodeGray(bytes, fromColour: !storedGray) : DecodeRgb(bytes);
        }
        catch (ImageDecodeException)
        {
            throw;
        }
        catch (UnknownImageFormatException)
        {
            throw new ImageDecodeException(name, "not a PNG, JPEG or BMP image");
        }
        catch (Exception e) when (e is ImageFormatException or InvalidImageContentException or NotSupportedException or InvalidOperationException or ArgumentException or IndexOutOfRangeException or EndOfStreamException)
        {
            throw new ImageDecodeException(name, $"corrupt or truncated image data ({e.Message})", e);
        }
    }

    /// <summary>Writes a PNG (8-bit gray or RGB), rounding half away from zero and clamping to [0, 255].</summary>
    public static void SavePng(PlanarImage image, string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        using var stream = File.Create(path);
        WritePng(image, stream);
    }

    public static byte[] EncodePng(PlanarImage image)
    {
        using var stream = new MemoryStream();
        WritePng(image, stream);
        return stream.ToArray();
    }

    /// <summary>The 8-bit value a [0, 1] sample is stored as.</summary>
    public static byte ToByte(float value)
    {
        var scaled = Math.Round(value * 255.0, MidpointRounding.AwayFromZero);
        return scaled <= 0 ? (byte)0 : scaled >= 255 ? (byte)255 : (byte)scaled;
    }

    private static void WritePng(PlanarImage image, Stream stream)
    {
        if (image.Channels is not (1 or 3)) throw new ArgumentException($"a PNG holds a gray or RGB image, not {image.Channels} planes", nameof(image));
        var encoder = new PngEncoder { CompressionLevel = PngCompressionLevel.DefaultCompression };
        if (image.IsGray)
        {
            using var gray = new Image<L8>(image.Width, image.Height);
            gray.ProcessPixelRows(rows =>
            {
                for (var y = 0; y < image.Height; y++)
                {
                    var row = rows.GetRowSpan(y);
                    var src = image.Row(0, y);
                    for (var x = 0; x < image.Width; x++) row[x] = new L8(ToByte(src[x]));
                }
            });
            encoder.ColorType = PngColorType.Grayscale;
            encoder.BitDepth = PngBitDepth.Bit8;
            gray.SaveAsPng(stream, encoder);
            return;
        }

        using var rgb = new Image<Rgb24>(image.Width, image.Height);
        rgb.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < image.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                var r = image.Row(0, y);
                var g = image.Row(1, y);
                var b = image.Row(2, y);
                for (var x = 0; x < image.Width; x++) row[x] = new Rgb24(ToByte(r[x]), ToByte(g[x]), ToByte(b[x]));
            }
        });
        encoder.ColorType = PngColorType.Rgb;
        encoder.BitDepth = PngBitDepth.Bit8;
        rgb.SaveAsPng(stream, encoder);
    }

    private static PlanarImage DecodeRgb(byte[] bytes)
    {
        using var image = Image.Load<Rgb24>(bytes);
        var result = new PlanarImage(3, image.Height, image.Width);
        image.ProcessPixelRows(rows =>
        {
            var plane = result.PlaneSize;
            for (var y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                var offset = y * result.Width;
                for (var x = 0; x < row.Length; x++)
                {
                    result.Data[offset + x] = row[x].R / 255f;
                    result.Data[plane + offset + x] = row[x].G / 255f;
                    result.Data[2 * plane + offset + x] = row[x].B / 255f;
                }
            }
        });
        return result;
    }

    private static PlanarImage DecodeGray(byte[] bytes, bool fromColour)
    {
        if (fromColour) return ColorConversion.RgbToGray(DecodeRgb(bytes));
        using var image = Image.Load<L8>(bytes);
        var result = new PlanarImage(1, image.Height, image.Width);
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                var offset = y * result.Width;
                for (var x = 0; x < row.Length; x++) result.Data[offset + x] = row[x].PackedValue / 255f;
            }
        });
        return result;
    }

    private static bool IsSupported(IImageFormat format) =>
        format.Name is "PNG" or "JPEG" or "BMP";

    private static bool IsStoredGray(IImageInfo info) =>
        info.Metadata.GetPngMetadata().ColorType is PngColorType.Grayscale or PngColorType.GrayscaleWithAlpha;

    /// <summary>
    /// A file must end where its format says it does: PNG with an IEND chunk, BMP no shorter than its header's
    /// file size. (Truncated JPEGs are caught by the JPEG decoder.)
    /// </summary>
    private static void CheckComplete(byte[] bytes, IImageFormat format, string name)
    {
        switch (format.Name)
        {
            case "PNG":
                if (!EndsWithPngIend(bytes)) throw new ImageDecodeException(name, "truncated PNG (no IEND chunk at the end)");
                break;
            case "BMP":
                if (bytes.Length >= 6 && BitConverter.ToUInt32(bytes, 2) is var size && size > bytes.Length)
                    throw new ImageDecodeException(name, $"truncated BMP ({bytes.Length} of {size} bytes)");
                break;
        }
    }

    private static bool EndsWithPngIend(byte[] bytes)
    {
        // ... length(0) "IEND" CRC — allow trailing garbage after it.
        ReadOnlySpan<byte> iend = "IEND"u8;
        var tail = bytes.AsSpan(Math.Max(0, bytes.Length - 64));
        var at = tail.LastIndexOf(iend);
        return at >= 4 && tail.Length - at >= 8;
    }
}
