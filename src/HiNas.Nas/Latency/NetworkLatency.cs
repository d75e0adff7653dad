using HiNas.Nas.Genotypes;
using HiNas.Nas.Space;

namespace HiNas.Nas.Latency;

/// <summary>The latency a table predicts for a derived network: the sum of its parts.</summary>
public static class NetworkLatency
{
    /// <summary>
    /// Every part of the network described by <paramref name="genotype"/> (keys of <see cref="LatencyKeys"/>): the stem,
    /// per live layer (<see cref="LayerLiveness"/>: a dead layer is not run) its fixed parts and its operations, the head.
    /// </summary>
    public static IEnumerable<string> Parts(Genotype genotype)
    {
        var b = genotype.Blocks;
        var c0 = genotype.NodeChannels(0);
        var live = genotype.Liveness;
        yield return LatencyKeys.Stem(genotype.Space);
        int previous = b * c0, beforePrevious = c0;
        for (var l = 0; l < genotype.Layers; l++)
        {
            var c = genotype.NodeChannels(genotype.WidthPath[l]);
            if (live.IsLive(l))
            {
                foreach (var part in FixedLayerParts(genotype.Space, live.ReadsPrevious(l) ? previous : null, live.ReadsBeforePrevious(l) ? beforePrevious : null, c)) yield return part;
                for (var node = 0; node < b; node++)
                    foreach (var part in NodeParts(genotype.Space, genotype.Cells[l].Node(node), c)) yield return part;
            }
            (beforePrevious, previous) = (previous, b * c);
        }
        yield return LatencyKeys.Head(genotype.Space, previous);
    }

    /// <summary>
    /// The parts of a layer at <paramref name="channels"/> per node other than its nodes: the projections of the
    /// previous state and the one before it (the stem's s0 and s1 for the first layer) where the cell reads them (null:
    /// it does not) and the space projects them (<see cref="SearchSpace.Projects"/>), and the concatenation (none for a
    /// cell of one node: its output is the node).
    /// </summary>
    public static IEnumerable<string> FixedLayerParts(SearchSpace space, int? previousChannels, int? beforePreviousChannels, int channels)
    {
        var r = space.PixelUnshuffle;
        foreach (var input in new[] { previousChannels, beforePreviousChannels })
            if (input is { } read && space.Projects(read, channels)) yield return LatencyKeys.Projection(read, channels, r, space.Form);
        if (space.Blocks > 1) yield return LatencyKeys.Concat(space.Blocks, channels, r);
    }

    /// <summary>
    /// A node's parts at <paramref name="channels"/>: its operations, and its addition — none for a node of one
    /// convolution (its other edge none: the convolution writes the node, and a fused cell's ReLU folds into it as in a
    /// plain stack) or of one plain skip (the paper's: the node is the state); a fused node of one skip keeps it (the state
    /// passes once more through memory: its Mul and ReLU).
    /// </summary>
    public static IEnumerable<string> NodeParts(SearchSpace space, (CellEdge First, CellEdge Second) node, int channels)
    {
        var ops = CellGenotype.Running(node).Select(e => space.Operation(e.Op)).ToArray();
        foreach (var op in ops)
            if (op.HasCost) yield return LatencyKeys.Operation(op, channels, space.PixelUnshuffle, space.Form);
        if (ops is not ([{ Convolves: true }] or [{ Kind: OperationKind.Skip }])) yield return LatencyKeys.Add(channels, space.PixelUnshuffle, space.Form);
    }

    /// <summary>Predicted milliseconds per frame at the table's resolution.</summary>
    public static double Predict(Genotype genotype, LatencyTable table) => Parts(genotype).Sum(table.Of);
}
