namespace HiNas.Nas.Genotypes;

/// <summary>
/// Which layers of a genotype's network its output depends on. The head reads the last layer; a live layer reads
/// the previous layer's state where one of its cell's running edges reads input 0 (s0), and the state two layers back
/// where one reads input 1 (s1) — the stem's states before the first layers. A layer no live layer reads is dead: a
/// cell whose nodes all take their operation from s1 leaves the layer before it unread (a space offering none derives
/// such cells). Dead layers, and the projections of inputs a cell does not read, are not built, run, exported, counted
/// or timed: the network is the layers its output needs. The one rule for the derived network, its latency and the
/// supernet's sub-networks.
/// </summary>
public sealed class LayerLiveness
{
    private readonly bool[] _live;
    private readonly bool[] _readsPrevious;
    private readonly bool[] _readsBeforePrevious;

    private LayerLiveness(bool[] live, bool[] readsPrevious, bool[] readsBeforePrevious) =>
        (_live, _readsPrevious, _readsBeforePrevious) = (live, readsPrevious, readsBeforePrevious);

    public static LayerLiveness Of(IReadOnlyList<CellGenotype> cells)
    {
        var layers = cells.Count;
        var live = new bool[layers];
        var readsPrevious = new bool[layers];
        var readsBeforePrevious = new bool[layers];
        if (layers > 0) live[layers - 1] = true;
        for (var l = layers - 1; l >= 0; l--)
        {
            if (!live[l]) continue;
            readsPrevious[l] = cells[l].Reads(0);
            readsBeforePrevious[l] = cells[l].Reads(1);
            if (readsPrevious[l] && l >= 1) live[l - 1] = true;
            if (readsBeforePrevious[l] && l >= 2) live[l - 2] = true;
        }
        return new LayerLiveness(live, readsPrevious, readsBeforePrevious);
    }

    /// <summary>Whether the output depends on layer <paramref name="layer"/> (0-based).</summary>
    public bool IsLive(int layer) => _live[layer];

    /// <summary>Whether live layer <paramref name="layer"/> reads the previous state (s0; the stem's s0 for the first layer).</summary>
    public bool ReadsPrevious(int layer) => _readsPrevious[layer];

    /// <summary>Whether live layer <paramref name="layer"/> reads the state two layers back (s1; the stem's s1 for the first layer, its s0 for the second).</summary>
    public bool ReadsBeforePrevious(int layer) => _readsBeforePrevious[layer];

    /// <summary>The dead layers (0-based), in order.</summary>
    public IReadOnlyList<int> Dead => Enumerable.Range(0, _live.Length).Where(l => !_live[l]).ToArray();
}
