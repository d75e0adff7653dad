using HiNas.Search.Operations;
using HiNas.Search.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using HiNas.Nas.Genotypes;
using HiNas.Search.Export;
using HiNas.Nas.Space;

namespace HiNas.Search.Cells;

/// <summary>
/// A fixed cell from a <see cref="CellGenotype"/>: node i = op_a(state[in_a]) + op_b(state[in_b]) (in fused cells,
/// ReLU of that sum: <see cref="CellForm"/>) with the operations of the same table as the search (affine
/// BatchNorm); output = concat of the nodes (B·C channels; one node is the output itself).
/// </summary>
public sealed class DerivedCell : Module<Tensor, Tensor, Tensor>
{
    private readonly TorchSharp.Modules.ModuleList<Module<Tensor, Tensor>> ops;
    private readonly Module<Tensor, Tensor>? nodeAct;
    private readonly int[] _inputs;

    /// <param name="space">the space the genotype belongs to (how its operations compute)</param>
    public DerivedCell(CellGenotype genotype, long channels, SearchSpace space) : base(nameof(DerivedCell))
    {
        Genotype = genotype;
        ops = new TorchSharp.Modules.ModuleList<Module<Tensor, Tensor>>();
        foreach (var edge in genotype.Edges) ops.Add(OperationTable.Create(space.Operation(edge.Op), channels, affine: true, space.Form));
        // in place: the sum is a fresh tensor no backward keeps
        if (space.Form == CellForm.Fused) nodeAct = ReLU(inplace: true);
        _inputs = genotype.Edges.Select(e => e.Input).ToArray();
        RegisterComponents();
    }

    public CellGenotype Genotype { get; }

    /// <summary>The cell's graph on the projected states s0 and s1: its nodes, concatenated.</summary>
    public string Emit(IGraphEmitter g, string s0, string s1)
    {
        var states = new List<string>(2 + Genotype.Blocks) { s0, s1 };
        for (var node = 0; node < Genotype.Blocks; node++)
        {
            var a = ((IExportable)ops[2 * node]).Emit(g, states[_inputs[2 * node]]);
            var b = ((IExportable)ops[2 * node + 1]).Emit(g, states[_inputs[2 * node + 1]]);
            var sum = g.Add(a, b);
            states.Add(nodeAct is null ? sum : g.Relu(sum));
        }
        return Genotype.Blocks == 1 ? states[2] : g.Concat(states.Skip(2));
    }

    public override Tensor forward(Tensor s0, Tensor s1)
    {
        var states = new List<Tensor>(2 + Genotype.Blocks) { s0, s1 };
        for (var node = 0; node < Genotype.Blocks; node++)
        {
            var a = ops[2 * node].call(states[_inputs[2 * node]]);
            var b = ops[2 * node + 1].call(states[_inputs[2 * node + 1]]);
            var sum = TensorMath.Add(a, b);
            states.Add(nodeAct is null ? sum : nodeAct.call(sum));
        }
        return Genotype.Blocks == 1 ? states[2] : torch.cat(states.Skip(2).ToArray(), 1);
    }
}
