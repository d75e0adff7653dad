namespace HiNas.Nas.Space;

/// <summary>
/// The outer search space: L layers × W width levels. The lattice starts at width 0 (the stem, layer 0);
/// from width h a path moves to h−1, h or h+1 in the next layer, so layer l has min(l+1, W) live widths.
/// β has one row of 3 moves (down, same, up) per source state: the stem, then every live cell of layers
/// 1..L−1 in (layer, width) order. Moves off the lattice are impossible and masked.
/// </summary>
public sealed class WidthLattice
{
    public const int Down = 0;
    public const int Same = 1;
    public const int Up = 2;
    public const int MoveCount = 3;

    /// <summary>The logit that masks an impossible move.</summary>
    public const double MaskedLogit = -50.0;

    private readonly int[] _sourceOffset;

    public WidthLattice(int layers, int widths)
    {
        if (layers < 1) throw new ArgumentOutOfRangeException(nameof(layers), layers, "at least one layer");
        if (widths < 1) throw new ArgumentOutOfRangeException(nameof(widths), widths, "at least one width level");
        Layers = layers;
        Widths = widths;
        _sourceOffset = new int[layers];
        var count = 1; // the stem (layer 0)
        for (var l = 1; l < layers; l++)
        {
            _sourceOffset[l] = count;
            count += LiveWidths(l);
        }
        SourceCount = count;
    }

    public int Layers { get; }
    public int Widths { get; }

    /// <summary>Rows of β: the stem plus every live cell of layers 1..L−1.</summary>
    public int SourceCount { get; }

    /// <summary>Number of live widths at layer l (0 = stem): min(l+1, W).</summary>
    public int LiveWidths(int layer) => Math.Min(layer + 1, Widths);

    public bool IsLive(int layer, int width) => layer >= 0 && layer <= Layers && width >= 0 && width < LiveWidths(layer);

    /// <summary>β row of the state at (layer, width), layer in [0, L−1].</summary>
    public int SourceIndex(int layer, int width)
    {
        if (layer < 0 || layer >= Layers || !IsLive(layer, width))
            throw new ArgumentOutOfRangeException(nameof(layer), $"({layer}, {width}) is not a β source (layers 0..{Layers - 1}, live widths only)");
        return layer == 0 ? 0 : _sourceOffset[layer] + width;
    }

    /// <summary>The move from width <paramref name="from"/> to <paramref name="to"/> (they differ by at most 1).</summary>
    public static int Move(int from, int to) => (to - from) switch
    {
        -1 => Down,
        0 => Same,
        1 => Up,
        _ => throw new ArgumentOutOfRangeException(nameof(to), $"widths {from} → {to} are not neighbours"),
    };

    /// <summary>Whether a move from (layer, width) stays on the lattice.</summary>
    public bool IsPossible(int width, int move) => (width + move - 1) is var target && target >= 0 && target < Widths;

    /// <summary>Sources at layer−1 that feed (layer, width): live neighbours h' with |h' − width| ≤ 1.</summary>
    public IEnumerable<int> Inputs(int layer, int width)
    {
        for (var from = width - 1; from <= width + 1; from++)
            if (IsLive(layer - 1, from)) yield return from;
    }

    /// <summary>The mask of β as [SourceCount, 3]: true where the move is impossible.</summary>
    public bool[,] ImpossibleMoves()
    {
        var mask = new bool[SourceCount, MoveCount];
        for (var l = 0; l < Layers; l++)
            for (var h = 0; h < LiveWidths(l); h++)
                for (var m = 0; m < MoveCount; m++)
                    mask[SourceIndex(l, h), m] = !IsPossible(h, m);
        return mask;
    }
}
