using HiNas.Search.Supernets;
using TorchSharp;
using static TorchSharp.torch;
using HiNas.Nas.Genotypes;
using HiNas.Nas.Settings;
using HiNas.Nas.Space;
using HiNas.Nas.Latency;

namespace HiNas.Search.Latency;

/// <summary>
/// The latency of the network a supernet would derive, in expectation over its architecture distribution, as a
/// differentiable function of α and β (a 0-dimensional tensor, milliseconds at the table's resolution):
/// <list type="bullet">
/// <item>per edge, the latencies of its operations other than none weighted by their softmax over α without none
/// (a skip costs 0 in the paper's cells, its Mul in fused ones; on none see below);</item>
/// <item>per node, the edges weighted as the derivation keeps two of them: 2·softmax over the node's incoming edges
/// of each edge's strength (logsumexp of its non-none logits), capped at 1 (a node with two inputs keeps both);</item>
/// <item>per cell (l, w), the nodes plus the cell's additions and concatenation, weighted by the probability that
/// the width path passes through w at layer l (from softmax of the masked β, layer by layer);</item>
/// <item>the projections weighted by the probabilities of the transitions (s0) and widths (s1) they serve, the
/// head by the last layer's width probabilities, and the stem as a constant.</item>
/// </list>
/// With one-hot α and β it equals <see cref="NetworkLatency.Predict"/> of the derived network — but for a space that
/// derives none (<see cref="OperationSet.OffersNone"/>), where it prices every node's two edges and its addition and
/// every layer: an upper bound for the nodes derived as one operation and for networks with dead layers
/// (<see cref="LayerLiveness"/>).
/// </summary>
public sealed class ExpectedLatency
{
    private readonly SupernetConfig _config;
    private readonly SearchSpace _space;
    private readonly WidthLattice _lattice;
    private readonly double[][] _opLatency; // [width][op] in the order of α's last axis
    private readonly double[] _cellFixed;   // [width]: additions + concat
    private readonly double[] _head;        // [width]
    private readonly double _stem;

    public ExpectedLatency(SupernetConfig config, LatencyTable table)
    {
        _config = config;
        _space = config.Space;
        _lattice = new WidthLattice(config.Layers, config.WidthFactors.Count);
        Table = table;
        var widths = config.WidthFactors.Count;
        var b = config.Blocks;
        var r = config.PixelUnshuffle;
        _opLatency = new double[widths][];
        _cellFixed = new double[widths];
        _head = new double[widths];
        for (var w = 0; w < widths; w++)
        {
            var c = config.NodeChannels(w);
            _opLatency[w] = _space.Operations.Select(op => op.HasCost && _space.Candidates.Offers(op.Name) ? table.Of(LatencyKeys.Operation(op, c, r, _space.Form)) : 0.0).ToArray();
            _cellFixed[w] = b * table.Of(LatencyKeys.Add(c, r, _space.Form)) + (b > 1 ? table.Of(LatencyKeys.Concat(b, c, r)) : 0.0);
            _head[w] = table.Of(LatencyKeys.Head(_space, b * c));
        }
        _stem = table.Of(LatencyKeys.Stem(_space));
    }

    public LatencyTable Table { get; }

    private double Projection(int inChannels, int outChannels) =>
        _space.Projects(inChannels, outChannels) ? Table.Of(LatencyKeys.Projection(inChannels, outChannels, _space.PixelUnshuffle, _space.Form)) : 0.0;

    /// <summary>E[latency] in milliseconds for the supernet's current α and β (differentiable in both).</summary>
    public Tensor Of(Supernet supernet) => Of(supernet.MaskedAlpha(), nn.functional.softmax(supernet.MaskedBeta(), -1));

    /// <summary>E[latency] for α logits [rows, k, |ops|] and β weights (after softmax) [sources, 3].</summary>
    public Tensor Of(Tensor alphaLogits, Tensor betaWeights)
    {
        var device = alphaLogits.device;
        var dtype = alphaLogits.dtype;
        Tensor Constant(double v) => torch.tensor(v, dtype: dtype, device: device);
        var b = _config.Blocks;
        var c0 = _config.NodeChannels(0);
        var total = Constant(_stem);

        // P(layer, width): the probability that the path passes through width at layer; the stem is at width 0.
        var probability = new Dictionary<(int, int), Tensor> { [(0, 0)] = Constant(1.0) };
        for (var l = 1; l <= _config.Layers; l++)
        {
            var logits = alphaLogits[_config.TieCells ? 0 : l - 1];
            for (var w = 0; w < _lattice.LiveWidths(l); w++)
            {
                var c = _config.NodeChannels(w);
                Tensor? p = null;
                foreach (var from in _lattice.Inputs(l, w))
                {
                    var transition = probability[(l - 1, from)] * betaWeights[_lattice.SourceIndex(l - 1, from), WidthLattice.Move(from, w)];
                    p = p is null ? transition : p + transition;
                    var previousChannels = l == 1 ? b * c0 : b * _config.NodeChannels(from);
                    total = total + transition * Projection(previousChannels, c);
                }
                probability[(l, w)] = p!;

                // s1: the state two layers back on the path (layer 1: the stem's C₀ output; layer 2: its B·C₀ output).
                if (l <= 2) total = total + p! * Projection(l == 1 ? c0 : b * c0, c);
                else
                    for (var back = 0; back < _lattice.LiveWidths(l - 2); back++)
                        total = total + p! * probability[(l - 2, back)] * Projection(b * _config.NodeChannels(back), c);

                var cell = CellCost(logits, w, dtype, device) + _cellFixed[w];
                total = total + p! * cell;
            }
        }
        for (var w = 0; w < _lattice.LiveWidths(_config.Layers); w++) total = total + probability[(_config.Layers, w)] * _head[w];
        return total;
    }

    /// <summary>The operations of a derived cell at width <paramref name="w"/> in expectation: per node, the two edges the derivation keeps.</summary>
    private Tensor CellCost(Tensor logits, int w, ScalarType dtype, Device device)
    {
        var none = OperationNames.NoneIndex; // "none" is the last candidate: the others are [0, none)
        var measured = logits.narrow(-1, 0, none);                                   // [k, |ops| − 1]
        var perOp = torch.tensor(_opLatency[w].Take(none).ToArray(), dtype: dtype, device: device);
        var edgeCost = (nn.functional.softmax(measured, -1) * perOp).sum(-1);        // [k]
        var strength = torch.logsumexp(measured, -1);                                // [k]
        Tensor? total = null;
        for (var node = 0; node < _config.Blocks; node++)
        {
            var first = CellTopology.FirstEdge(node);
            var inputs = 2 + node;
            var cost = edgeCost.narrow(0, first, inputs);
            var kept = inputs == 2
                ? cost.sum()
                : (torch.clamp(nn.functional.softmax(strength.narrow(0, first, inputs), 0) * 2, max: 1.0) * cost).sum();
            total = total is null ? kept : total + kept;
        }
        return total!;
    }
}
