namespace HiNas.Inference.Engine;

/// <summary>The tiles' size, their positions along one axis and the blend weight of a tile's samples.</summary>
internal static class TileGrid
{
    /// <summary>
    /// The tile height and width for a frame of <paramref name="height"/> × <paramref name="width"/> (multiples of
    /// <paramref name="multiple"/>, as is <paramref name="overlap"/>): of every grid of tiles within
    /// <paramref name="maxPixels"/> each, the one that computes the fewest pixels in all, overlaps included (fewer tiles
    /// on a tie). Rectangles spread over the frame: 1920×1080 runs as 3 tiles of 672 × 1080 (5 % more pixels than the
    /// frame), not 6 squares of 960 (2.6 times as many).
    /// </summary>
    public static (int Height, int Width) Plan(int height, int width, long maxPixels, int overlap, int multiple)
    {
        (int H, int W) best = (0, 0);
        var bestCost = long.MaxValue;
        var bestCount = int.MaxValue;
        for (var ny = 1; ny <= Math.Min(256, height); ny++)
        {
            var th = Side(height, ny, overlap, multiple);
            if (th <= overlap && ny > 1) break;
            for (var nx = 1; nx <= Math.Min(256, width); nx++)
            {
                var tw = Side(width, nx, overlap, multiple);
                if (tw <= overlap && nx > 1) break;
                if ((long)th * tw > maxPixels) continue;
                var (rows, columns) = (Starts(height, th, overlap).Length, Starts(width, tw, overlap).Length);
                var cost = (long)rows * columns * th * tw;
                if (cost < bestCost || (cost == bestCost && rows * columns < bestCount)) (best, bestCost, bestCount) = ((th, tw), cost, rows * columns);
                break; // more columns only cost more once these fit
            }
        }
        return bestCost == long.MaxValue ? throw new ArgumentException($"no tiling of {width}×{height} fits {maxPixels} pixels per tile with an overlap of {overlap}") : best;
    }

    /// <summary>The side of <paramref name="count"/> tiles sharing <paramref name="overlap"/> that cover <paramref name="length"/>, rounded up to the multiple.</summary>
    private static int Side(int length, int count, int overlap, int multiple) =>
        count == 1 ? length : Math.Min(length, (length + (count - 1) * overlap + count - 1) / count + multiple - 1) / multiple * multiple;

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
