namespace HiNas.Inference.Frames;

/// <summary>The geometry of a raw frame: width × height pixels, rows <see cref="Stride"/> bytes apart.</summary>
public readonly record struct FrameLayout(int Width, int Height, int Stride, PixelFormat Format)
{
    /// <summary>Frames larger than this (per side) are refused outright.</summary>
    public const int MaxSide = 16384;

    public int RowBytes => Width * Format.BytesPerPixel();

    /// <summary>Bytes a frame of this layout needs: every row but the last at full stride, the last row's pixels.</summary>
    public long RequiredBytes => Height == 0 ? 0 : (long)(Height - 1) * Stride + RowBytes;

    /// <summary>
    /// The most bytes a frame of this layout may have: every row at full stride (the last row's padding may be sent or
    /// not). A tightly packed frame (stride = a row) has exactly <see cref="RequiredBytes"/>.
    /// </summary>
    public long MaxBytes => (long)Height * Stride;

    /// <summary>Whether <paramref name="byteCount"/> bytes fit this layout exactly (between <see cref="RequiredBytes"/> and <see cref="MaxBytes"/>).</summary>
    public string? ByteCountProblem(long byteCount) =>
        byteCount == 0 ? "the frame has no bytes"
        : byteCount < RequiredBytes ? $"the frame has {byteCount} bytes but {Width}×{Height} {Format} with stride {Stride} needs {RequiredBytes}"
        : byteCount > MaxBytes ? $"the frame has {byteCount} bytes, more than the {MaxBytes} of {Width}×{Height} {Format} with stride {Stride}"
        : null;

    /// <summary>Returns a description of what is wrong with this layout for <paramref name="byteCount"/> bytes, or null.</summary>
    public string? Problem(long byteCount)
    {
        if (!Enum.IsDefined(Format)) return $"pixel format {(int)Format} is unknown";
        if (Width <= 0 || Height <= 0) return $"width and height must be positive, got {Width}×{Height}";
        if (Width > MaxSide || Height > MaxSide) return $"{Width}×{Height} exceeds the {MaxSide}-pixel side limit";
        if (Stride < RowBytes) return $"stride {Stride} is smaller than a row of {Width} {Format} pixels ({RowBytes} bytes)";
        return ByteCountProblem(byteCount);
    }
}
