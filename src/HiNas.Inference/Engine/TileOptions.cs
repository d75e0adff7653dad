namespace HiNas.Inference.Engine;

/// <summary>
/// Frames of more than <see cref="MaxTilePixels"/> input pixels are restored in overlapping tiles of at most that many
/// pixels, as few and as evenly spread as computes the fewest pixels (<see cref="TileGrid.Plan"/>); smaller frames run whole (a tile costs its overlap twice and a copy in and out: a 640×360
/// frame in 512-pixel tiles took 1.7× the whole frame's time). Memory grows with the pixels run at once, so the bound is
/// on the area, whatever the frame's shape. Each tile's output is weighted 0 within Overlap/4 of an inner tile edge
/// (where zero padding disturbs it), then ramps linearly to 1 over Overlap/2, so seams are blended and the result
/// matches the untiled one wherever the network's receptive radius is below Overlap/4.
/// </summary>
public sealed record TileOptions
{
    /// <summary>A 1280×720 frame: a 720p game or video frame (and the ×2 upscaler's 640×360 input) runs whole.</summary>
    public const int DefaultMaxTilePixels = 1280 * 720;

    public int MaxTilePixels { get; init; } = DefaultMaxTilePixels;
    public int Overlap { get; init; } = 48;

    /// <summary>The side of the largest square tile within <see cref="MaxTilePixels"/> (the overlap must fit it twice).</summary>
    public int TileSide => (int)Math.Sqrt(MaxTilePixels);

    /// <summary>Whether a frame of <paramref name="height"/> × <paramref name="width"/> input pixels runs in tiles.</summary>
    public bool Tiles(int height, int width) => (long)height * width > MaxTilePixels;

    public void Validate()
    {
        if (MaxTilePixels < 32 * 32) throw new ArgumentOutOfRangeException(nameof(MaxTilePixels), MaxTilePixels, "tiles must be at least 32×32 = 1024 pixels");
        if (Overlap < 4 || Overlap > TileSide / 2) throw new ArgumentOutOfRangeException(nameof(Overlap), Overlap, $"overlap must be in [4, {TileSide / 2}] (half the tile side)");
    }
}
