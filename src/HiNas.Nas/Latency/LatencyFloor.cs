using HiNas.Nas.Genotypes;
using HiNas.Nas.Settings;
using HiNas.Nas.Space;

namespace HiNas.Nas.Latency;

/// <summary>
/// The cheapest network a search space holds, as a latency table predicts it: every node its width's cheapest — both
/// edges the cheapest offered operation, a skip connection unless the space leaves skips out
/// (<see cref="SearchSpace.Candidates"/>), so that only the fixed parts remain (stem, projections, additions,
/// concatenations, head), or one operation alone where the space derives none — on the width path where the
/// layers cost least. No derivation can go below it, so a budget under it cannot be met by any search of the
/// space; the search refuses such a budget before it starts.
/// </summary>
public sealed record LatencyFloor(double Milliseconds, Genotype Network)
{
    public static LatencyFloor Of(SearchSpace space, LatencyTable table)
    {
        var widths = space.WidthFactors.Count;
        var layers = space.Layers;
        var b = space.Blocks;
        // cost[l][(from, to)] of layer l's fixed parts, by dynamic programming over (width of layer l−1, width of layer l);
        // the stem is width 0 at layer 0, and the two-back state of layer 1 is the stem's s1 (C₀ channels).
        var cheapestNode = Enumerable.Range(0, widths).Select(w => CheapestNode(space, table, space.NodeChannels(w))).ToArray();
        var best = new Dictionary<(int Before, int Now), (double Ms, int[] Path)> { [(-1, 0)] = (0, Array.Empty<int>()) };
        for (var l = 0; l < layers; l++)
        {
            var next = new Dictionary<(int, int), (double, int[])>();
            foreach (var ((before, now), (ms, path)) in best)
                for (var to = now - 1; to <= now + 1; to++)
                {
                    if (to < 0 || to >= widths) continue;
                    var c = space.NodeChannels(to);
                    var previous = b * space.NodeChannels(now);
                    var beforePrevious = before < 0 ? space.NodeChannels(0) : b * space.NodeChannels(before);
                    var cost = ms + NetworkLatency.FixedLayerParts(space, previous, beforePrevious, c).Sum(table.Of) + b * cheapestNode[to].Ms;
                    if (l == layers - 1) cost += table.Of(LatencyKeys.Head(space, b * c));
                    if (!next.TryGetValue((now, to), out var known) || cost < known.Item1) next[(now, to)] = (cost, path.Append(to).ToArray());
                }
            best = next;
        }
        var (cheapest, widthPath) = best.Values.MinBy(v => v.Ms);
        var stem = table.Of(LatencyKeys.Stem(space));
        var cells = widthPath.Select(w => new CellGenotype(Enumerable.Range(0, b).SelectMany(_ => cheapestNode[w].Edges).ToList())).ToArray();
        var network = new Genotype(space, cells, widthPath);
        return new LatencyFloor(stem + cheapest, network);
    }

    /// <summary>
    /// The cheapest node at <paramref name="channels"/>: the cheapest offered operation on both of the cell's inputs, or
    /// one operation alone where the space derives none (<see cref="NetworkLatency.NodeParts"/>: a convolution writes
    /// its node without an addition).
    /// </summary>
    private static (CellEdge[] Edges, double Ms) CheapestNode(SearchSpace space, LatencyTable table, int channels)
    {
        var nodes = space.Offered.Select(op => new[] { new CellEdge(op.Name, 0), new CellEdge(op.Name, 1) });
        if (space.Candidates.OffersNone) nodes = nodes.Concat(space.Offered.Select(op => new[] { new CellEdge(op.Name, 0), new CellEdge(OperationNames.None, 1) }));
        return nodes.Select(edges => (edges, NetworkLatency.NodeParts(space, (edges[0], edges[1]), channels).Sum(table.Of))).MinBy(n => n.Item2);
    }

    /// <summary>The operations on the floor network's edges ("skip_connect" unless the space leaves skips out).</summary>
    public IReadOnlyList<string> Operations => Network.Cells.SelectMany(c => c.Edges).Select(e => e.Op).Distinct().ToArray();

    /// <summary>A measured floor this many times the prediction says more about the machine's load than about the space.</summary>
    public const double BusyFactor = 1.5;

    /// <summary>
    /// An error naming the budget when it is below the floor; null when a network of the space can meet it. With
    /// <paramref name="measuredMs"/> (the floor network run by ONNX Runtime on the table's machine) the floor is the
    /// larger of the measurement and the prediction: the table's sum of parts runs each part with warm caches and
    /// under-predicts the floor by 5–20 % on the machine of the README.
    /// </summary>
    public string? Refuses(double budgetMs, LatencyTable table, double? measuredMs = null)
    {
        var floor = Math.Max(Milliseconds, measuredMs ?? 0);
        if (budgetMs >= floor) return null;
        var how = measuredMs is { } m && m > Milliseconds
            ? FormattableString.Invariant($"{m:0.###} ms measured with ONNX Runtime ({Milliseconds:0.###} ms predicted by the table)")
            : FormattableString.Invariant($"{Milliseconds:0.###} ms");
        var busy = measuredMs is { } over && over > BusyFactor * Milliseconds
            ? FormattableString.Invariant($"; the measurement is {over / Milliseconds:0.#}× the table's prediction, far beyond the table's own error: if other work was running, measure again with the cores free (a budgeted search needs them to itself)")
            : "";
        return FormattableString.Invariant(
            $"the budget of {budgetMs:0.###} ms is below the cheapest network of this search space at {table.Resolution} on {table.Device}: {how} with every edge its cheapest operation ({string.Join(", ", Operations)}; stem, 1×1 projections, additions, concatenations and head otherwise); raise the budget, or search a space with fewer layers, fewer filters or fewer stem channels{busy}");
    }
}
