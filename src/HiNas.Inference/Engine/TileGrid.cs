namespace HiNas.Inference.Engine;

/// <summary>Tile positions along one axis and the blend weight of a tile's samples.</summary>
internal static class TileGrid
{
    /// <summary>Start offsets of tiles of <paramref name="tile"/> samples covering <paramref name="length"/> with at least <paramref name="overlap"/> shared.</summary>
    public static int[] Starts(int length, int tile, int overlap)
    {
        if (length <= tile) return new[] { 0 };
        var starts = new List<int>();
        var step = tile - overlap;
        for (var s = 0; s + tile < length; s += step) starts.Add(s);
        starts.Add(length - tile);
        return starts.ToArray();
    }

    /// <summary>
    /// Weight of sample <paramref name="i"/> (0-based within a tile of <paramref name="size"/>) whose low/high edges are
    /// inner edges or image borders; distances are in output samples.
    /// </summary>
    public static float Weight(int i, int size, bool innerLow, bool innerHigh, int margin, int ramp)
    {
        var w = 1f;
        if (innerLow) w = Math.Min(w, Edge(i, margin, ramp));
        if (innerHigh) w = Math.Min(w, Edge(size - 1 - i, margin, ramp));
        return w;
    }

    private static float Edge(int distance, int margin, int ramp) =>
        distance < margin ? 0f : Math.Min(1f, (distance - margin + 1f) / (ramp + 1f));
}
