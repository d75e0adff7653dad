using HiNas.Search.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using HiNas.Nas.Space;

namespace HiNas.Search.Cells;

/// <summary>
/// The search cell: B nodes, node i = Σ_{j&lt;2+i} MixedOp_{edge(i,j)}(state_j) over s0, s1 and earlier nodes;
/// output = concat of the B nodes (B·C channels). s0 and s1 must already have C channels.
/// </summary>
public sealed class SearchCell : Module<Tensor, Tensor, Tensor, Tensor>
{
    private readonly TorchSharp.Modules.ModuleList<MixedOp> edges;

    public SearchCell(int blocks, long channels) : base(nameof(SearchCell))
    {
        Blocks = blocks;
        edges = new TorchSharp.Modules.ModuleList<MixedOp>();
        for (var e = 0; e < CellTopology.EdgeCount(blocks); e++) edges.Add(new MixedOp(channels));
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
                var term = edges[edge].call(states[input], weights[edge]);
                sum = sum is null ? term : TensorMath.Add(sum, term);
            }
            states.Add(sum!);
        }
        return torch.cat(states.Skip(2).ToArray(), 1);
    }
}
