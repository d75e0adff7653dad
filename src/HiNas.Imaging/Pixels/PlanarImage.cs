namespace HiNas.Imaging.Pixels;

/// <summary>
/// An image as planar float32 samples (channel-major, then rows, then columns), nominally in [0, 1].
/// Gray images have one channel, colour images three (R, G, B). Values outside [0, 1] are allowed
/// (unclipped noise, network outputs); they are clamped only when written to 8-bit files.
/// </summary>
public sealed class PlanarImage
{
    public PlanarImage(int channels, int height, int width)
        : this(channels, height, width, new float[CheckedLength(channels, height, width)])
    {
    }

    public PlanarImage(int channels, int height, int width, float[] data)
    {
        var length = CheckedLength(channels, height, width);
        ArgumentNullException.ThrowIfNull(data);
        if (data.Length != length)
            throw new ArgumentException($"data has {data.Length} samples but {channels}×{height}×{width} needs {length}", nameof(data));
        Channels = channels;
        Height = height;
        Width = width;
        Data = data;
    }

    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }

    /// <summary>The samples, planar: index = (c·Height + y)·Width + x.</summary>
    public float[] Data { get; }

    public int PlaneSize => Height * Width;

    public bool IsGray => Channels == 1;

    public float this[int c, int y, int x]
    {
        get => Data[(c * Height + y) * Width + x];
        set => Data[(c * Height + y) * Width + x] = value;
    }

    public Span<float> Plane(int channel) => Data.AsSpan(channel * PlaneSize, PlaneSize);

    public ReadOnlySpan<float> Row(int channel, int y) => Data.AsSpan((channel * Height + y) * Width, Width);

    public PlanarImage Clone() => new(Channels, Height, Width, (float[])Data.Clone());

    public bool SameShape(PlanarImage other) => Channels == other.Channels && Height == other.Height && Width == other.Width;

    public string ShapeText => $"{Channels}×{Height}×{Width}";

    /// <summary>Copies the window [y, y+height) × [x, x+width) of every channel.</summary>
    public PlanarImage Crop(int y, int x, int height, int width)
    {
        if (y < 0 || x < 0 || height < 1 || width < 1 || y + height > Height || x + width > Width)
            throw new ArgumentOutOfRangeException(nameof(height), $"crop {height}×{width} at ({y},{x}) does not fit in a {Height}×{Width} image");
        var result = new PlanarImage(Channels, height, width);
        for (var c = 0; c < Channels; c++)
            for (var r = 0; r < height; r++)
                Row(c, y + r).Slice(x, width).CopyTo(result.Data.AsSpan((c * height + r) * width, width));
        return result;
    }

    /// <summary>The central window of at most <paramref name="side"/>×<paramref name="side"/> pixels (the image itself when it fits).</summary>
    public PlanarImage CentreCrop(int side)
    {
        if (side < 1) throw new ArgumentOutOfRangeException(nameof(side), side, "the crop side must be positive");
        if (Height <= side && Width <= side) return this;
        var (height, width) = (Math.Min(side, Height), Math.Min(side, Width));
        return Crop((Height - height) / 2, (Width - width) / 2, height, width);
    }

    /// <summary>Removes <paramref name="border"/> pixels from each side (the SR evaluation "shave").</summary>
    public PlanarImage Shave(int border)
    {
        if (border < 0) throw new ArgumentOutOfRangeException(nameof(border), border, "shave must not be negative");
        if (border == 0) return this;
        if (2 * border >= Height || 2 * border >= Width)
            throw new ArgumentOutOfRangeException(nameof(border), border, $"shaving {border} px from each side of a {Height}×{Width} image leaves nothing");
        return Crop(border, border, Height - 2 * border, Width - 2 * border);
    }

    private static int CheckedLength(int channels, int height, int width)
    {
        // a network input may carry one plane more than its image (a denoiser's noise-level map, NoiseLevelMap)
        if (channels is < 1 or > 4) throw new ArgumentOutOfRangeException(nameof(channels), channels, "an image has 1 (gray) or 3 (RGB) channels, and a network input at most one plane more");
        if (height < 1) throw new ArgumentOutOfRangeException(nameof(height), height, "height must be at least 1");
        if (width < 1) throw new ArgumentOutOfRangeException(nameof(width), width, "width must be at least 1");
        var length = (long)channels * height * width;
        if (length > Array.MaxLength) throw new ArgumentOutOfRangeException(nameof(width), $"{channels}×{height}×{width} is too large for one image");
        return (int)length;
    }
}
