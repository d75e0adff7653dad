using HiNas.Inference.Frames;
using HiNas.Server.Rpc;

namespace HiNas.Server.Restoration;

/// <summary>Checks a frame's geometry and bytes before anything is allocated for it; errors name the field.</summary>
public static class FrameValidation
{
    /// <summary>
    /// The layout of a frame of <paramref name="byteCount"/> bytes. Stride 0 means tightly packed rows.
    /// Throws INVALID_ARGUMENT for an impossible frame and RESOURCE_EXHAUSTED for one above the pixel limit.
    /// </summary>
    public static FrameLayout Check(string field, uint width, uint height, uint stride, PixelFormat format, int byteCount, long maxPixels)
    {
        if (width == 0) throw RpcErrors.Invalid($"{field}.width", "must be positive, got 0");
        if (height == 0) throw RpcErrors.Invalid($"{field}.height", "must be positive, got 0");
        var pixels = (long)width * height;
        if (pixels > maxPixels || width > FrameLayout.MaxSide || height > FrameLayout.MaxSide)
            throw RpcErrors.TooLarge($"{field}.width/height", $"{width}×{height} is above the server's limit of {maxPixels} pixels and {FrameLayout.MaxSide} per side (HiNas:MaxFramePixels)");
        var rowBytes = (long)width * format.BytesPerPixel();
        var strideValue = stride == 0 ? rowBytes : stride;
        if (strideValue < rowBytes) throw RpcErrors.Invalid($"{field}.stride", $"{stride} is smaller than a row of {width} {format} pixels ({rowBytes} bytes)");
        if (strideValue > int.MaxValue / 2) throw RpcErrors.Invalid($"{field}.stride", $"{stride} is implausibly large");
        var layout = new FrameLayout((int)width, (int)height, (int)strideValue, format);
        if (layout.ByteCountProblem(byteCount) is { } problem) throw RpcErrors.Invalid($"{field}.pixels", problem);
        return layout;
    }
}
