namespace HiNas.Inference.Engine;

/// <summary>
/// Frames wider or taller than <see cref="MaxTileSide"/> input pixels are restored in overlapping tiles.
/// Each tile's output is weighted 0 within Overlap/4 of an inner tile edge (where zero padding disturbs it),
/// then ramps linearly to 1 over Overlap/2, so seams are blended and the result matches the untiled one
/// wherever the network's receptive radius is below Overlap/4.
/// </summary>
public sealed record TileOptions
{
    public int MaxTileSide { get; init; } = 512;
    public int Overlap { get; init; } = 48;

    public void Validate()
    {
        if (MaxTileSide < 32) throw new ArgumentOutOfRangeException(nameof(MaxTileSide), MaxTileSide, "tiles must be at least 32 pixels");
        if (Overlap < 4 || Overlap > MaxTileSide / 2) throw new ArgumentOutOfRangeException(nameof(Overlap), Overlap, $"overlap must be in [4, {MaxTileSide / 2}]");
    }
}
