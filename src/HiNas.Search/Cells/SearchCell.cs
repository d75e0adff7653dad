using HiNas.Search.Operations;
using HiNas.Search.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using HiNas.Nas.Genotypes;
using HiNas.Nas.Space;

namespace HiNas.Search.Cells;

/// <summary>
/// The search cell: B nodes, node i = Σ_{j&lt;2+i} MixedOp_{edge(i,j)}(state_j) over s0, s1 and earlier nodes (in
/// fused cells, ReLU of that sum: <see cref="CellForm"/>); output = concat of the B nodes (B·C channels; one
/// node is the output itself). s0 and s1 must already have C channels.
/// </summary>
public sealed class SearchCell : Module<Tensor, Tensor, Tensor, Tensor>
{
    private readonly TorchSharp.Modules.ModuleList<MixedOp> edges;
    private readonly Module<Tensor, Tensor>? nodeAct;
    private readonly SearchSpace _space;

    public SearchCell(int blocks, long channels, SearchSpace space) : base(nameof(SearchCell))
    {
        Blocks = blocks;
        _space = space;
        edges = new TorchSharp.Modules.ModuleList<MixedOp>();
        for (var e = 0; e < CellTopology.EdgeCount(blocks); e++) edges.Add(new MixedOp(space, channels));
        // in place: a node's sum is a fresh tensor no backward keeps (ReLU's backward reads its output)
        if (space.Form == CellForm.Fused) nodeAct = ReLU(inplace: true);
        RegisterComponents();
    }

    public int Blocks { get; }

    /// <param name="s0">previous layer's state, C channels</param>
    /// <param name="s1">the state two layers back, C channels</param>
    /// <param name="weights">softmax(α) of this layer, [k, |ops|]</param>
    public override Tensor forward(Tensor s0, Tensor s1, Tensor weights)
    {
        var states = new List<Tensor> { s0, s1 };
        for (var node = 0; node < Blocks; node++)
        {
            Tensor? sum = null;
            for (var input = 0; input < 2 + node; input++)
            {
                var edge = CellTopology.Edge(node, input);
                using var edgeWeights = weights[edge];
                var term = edges[edge].call(states[input], edgeWeights);
                if (sum is null) sum = term;
                else
                {
                    // in place: a node's partial sums are kept by no backward; the edge's output goes at once
                    TensorMath.AddInPlace(sum, term);
                    term.Dispose();
                }
            }
            states.Add(nodeAct is null ? sum! : nodeAct.call(sum!));
        }
        return Concatenate(states);
    }

    /// <summary>
    /// The cell reduced to <paramref name="cell"/>: each node the sum of its two edges (<see cref="NodeSum"/>; a none
    /// edge adds nothing), each edge its one operation — a fused skip in a node without a convolution with the factors
    /// it has there (<see cref="MixedOp.ForwardOne"/>), as the derived cell starts it. An input the cell does not read
    /// may be null.
    /// </summary>
    public Tensor ForwardSubnetwork(Tensor? s0, Tensor? s1, CellGenotype cell)
    {
        if (cell.Blocks != Blocks) throw new ArgumentException($"the cell has {cell.Blocks} nodes, this search cell {Blocks}", nameof(cell));
        var states = new List<Tensor?> { s0, s1 };
        for (var node = 0; node < Blocks; node++)
        {
            var running = cell.Running(node);
            var convolves = CellGenotype.Convolves(running, _space);
            var terms = running.Select(e => edges[CellTopology.Edge(node, e.Input)].ForwardOne(states[e.Input]!, OperationNames.IndexOf(e.Op), convolves)).ToArray();
            states.Add(NodeSum.Of(terms, nodeAct is not null));
        }
        return Concatenate(states!);
    }

    private static Tensor Concatenate(List<Tensor> states)
    {
        var nodes = states.Skip(2).ToArray();
        if (nodes.Length == 1) return nodes[0];
        var output = torch.cat(nodes, 1);
        // the nodes live on in autograd where a backward needs them (as an operation's input); their handles go now
        foreach (var node in nodes) node.Dispose();
        return output;
    }
}
