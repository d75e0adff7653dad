using HiNas.Nas.Genotypes;
using HiNas.Nas.Settings;
using HiNas.Nas.Space;

namespace HiNas.Nas.Latency;

/// <summary>
/// The cheapest network a search space holds, as a latency table predicts it: every node its width's cheapest — both
/// edges the cheapest offered operation, a skip connection unless the space leaves skips out
/// (<see cref="SearchSpace.Candidates"/>), so that only the fixed parts remain (stem, projections, additions,
/// concatenations, head) — on the width path where the layers cost least. Where the space offers none, a node is one
/// operation and a cell reads one of its inputs, so layers may be dead (<see cref="LayerLiveness"/>): the floor is then
/// the cheapest chain of live layers, each reading the previous layer or the one before it. No derivation can go below
/// it, so a budget under it cannot be met by any search of the space; the search refuses such a budget before it
/// starts.
/// </summary>
public sealed record LatencyFloor(double Milliseconds, Genotype Network)
{
    public static LatencyFloor Of(SearchSpace space, LatencyTable table)
    {
        var widths = space.WidthFactors.Count;
        var layers = space.Layers;
        var b = space.Blocks;
        var singles = space.Candidates.OffersNone;
        // the inputs a live layer's cell reads (s0, s1): one where nodes are single operations, both otherwise
        var reads = singles ? new[] { (true, false), (false, true) } : new[] { (true, true) };
        var cheapestNode = Enumerable.Range(0, widths).Select(w => CheapestNode(space, table, space.NodeChannels(w), singles)).ToArray();
        // Dynamic programming over layers; a state is the widths of the two layers before (the stem's s1 as −1 and its s0
        // as width 0 before the first layer) and whether they are live (the stem's states always are). A live layer reads
        // one live input where nodes are single operations, both otherwise; a dead one costs nothing. Layers left live
        // but unread only cost more, so the cheapest assignment is a network whose live layers are these.
        var best = new Dictionary<State, (double Ms, Step[] Steps)> { [new(-1, 0, true, true)] = (0, Array.Empty<Step>()) };
        for (var l = 0; l < layers; l++)
        {
            var next = new Dictionary<State, (double, Step[])>();
            void Offer(State state, double ms, Step[] steps)
            {
                if (!next.TryGetValue(state, out var known) || ms < known.Item1) next[state] = (ms, steps);
            }
            foreach (var (state, (ms, steps)) in best)
                for (var to = state.Now - 1; to <= state.Now + 1; to++)
                {
                    if (to < 0 || to >= widths) continue;
                    var c = space.NodeChannels(to);
                    var previous = b * space.NodeChannels(state.Now);
                    var beforePrevious = state.Before < 0 ? space.NodeChannels(0) : b * space.NodeChannels(state.Before);
                    var head = l == layers - 1 ? table.Of(LatencyKeys.Head(space, b * c)) : 0;
                    var node = b * cheapestNode[to].Ms;
                    foreach (var (p, bp) in reads)
                    {
                        if ((p && !state.NowLive) || (bp && !state.BeforeLive)) continue;
                        var cost = NetworkLatency.FixedLayerParts(space, p ? previous : null, bp ? beforePrevious : null, c).Sum(table.Of) + node + head;
                        Offer(new(state.Now, to, state.NowLive, true), ms + cost, steps.Append(new Step(to, p ? 0 : 1)).ToArray());
                    }
                    if (singles && l < layers - 1) Offer(new(state.Now, to, state.NowLive, false), ms, steps.Append(new Step(to, null)).ToArray());
                }
            best = next;
        }
        var cheapest = best.Values.MinBy(v => v.Ms).Steps;
        var cells = cheapest.Select(step => new CellGenotype(Enumerable.Range(0, b).SelectMany(_ => cheapestNode[step.Width].Edges(step.Reads ?? 0)).ToList())).ToArray();
        var network = new Genotype(space, cells, cheapest.Select(step => step.Width).ToArray());
        return new LatencyFloor(NetworkLatency.Predict(network, table), network);
    }

    private sealed record State(int Before, int Now, bool BeforeLive, bool NowLive);

    /// <summary>A layer of the floor network: its width, and the input its cell reads (null: dead; both where nodes are pairs).</summary>
    private sealed record Step(int Width, int? Reads);

    /// <summary>
    /// The cheapest node at <paramref name="channels"/>: the cheapest offered operation on both of the cell's inputs or,
    /// where the space offers none (<paramref name="single"/>), one operation alone on the input the cell reads
    /// (<see cref="NetworkLatency.NodeParts"/>: a convolution writes its node without an addition).
    /// </summary>
    private static (Func<int, CellEdge[]> Edges, double Ms) CheapestNode(SearchSpace space, LatencyTable table, int channels, bool single)
    {
        var nodes = space.Offered.Select(op => single
            ? (Func<int, CellEdge[]>)(input => new[] { new CellEdge(op.Name, input), new CellEdge(OperationNames.None, 1 - input) })
            : _ => new[] { new CellEdge(op.Name, 0), new CellEdge(op.Name, 1) });
        return nodes.Select(edges => (edges, NetworkLatency.NodeParts(space, (edges(0)[0], edges(0)[1]), channels).Sum(table.Of))).MinBy(n => n.Item2);
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
