namespace HiNas.Inference.Frames;

/// <summary>8-bit interleaved pixel layouts a client may send; alpha is passed through untouched.</summary>
public enum PixelFormat
{
    Rgba8,
    Bgra8,
    Rgb8,
    Gray8,
}

public static class PixelFormats
{
    public static int BytesPerPixel(this PixelFormat format) => format switch
    {
        PixelFormat.Rgba8 or PixelFormat.Bgra8 => 4,
        PixelFormat.Rgb8 => 3,
        PixelFormat.Gray8 => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "unknown pixel format"),
    };

    public static bool HasAlpha(this PixelFormat format) => format is PixelFormat.Rgba8 or PixelFormat.Bgra8;

    public static bool IsColor(this PixelFormat format) => format != PixelFormat.Gray8;
}
