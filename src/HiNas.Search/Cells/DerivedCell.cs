using HiNas.Search.Operations;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using HiNas.Nas.Genotypes;
using HiNas.Search.Export;
using HiNas.Nas.Space;

namespace HiNas.Search.Cells;

/// <summary>
/// A fixed cell from a <see cref="CellGenotype"/>: node i = op_a(state[in_a]) + op_b(state[in_b]) (in fused cells,
/// ReLU of that sum: <see cref="CellForm"/>; a none edge adds nothing, so a node of one operation is that operation,
/// activated in fused cells) with the operations of the same table as the search (affine BatchNorm); output = concat of
/// the nodes (B·C channels; one node is the output itself).
/// </summary>
public sealed class DerivedCell : Module<Tensor, Tensor, Tensor>
{
    private readonly TorchSharp.Modules.ModuleList<Module<Tensor, Tensor>> ops;
    private readonly bool _activates;
    private readonly IReadOnlyList<CellEdge>[] _nodes;
    private readonly int[][] _modules;

    /// <param name="space">the space the genotype belongs to (how its operations compute)</param>
    /// <param name="convExpansion">fused cells: their k×k convolutions train expanded (<see cref="CollapsibleConv"/>); 1: as served</param>
    public DerivedCell(CellGenotype genotype, long channels, SearchSpace space, int convExpansion = 1) : base(nameof(DerivedCell))
    {
        Genotype = genotype;
        ops = new TorchSharp.Modules.ModuleList<Module<Tensor, Tensor>>();
        // a node's edges other than none, and their modules' places in ops (none has no module)
        _nodes = Enumerable.Range(0, genotype.Blocks).Select(n => genotype.Running(n)).ToArray();
        _modules = new int[genotype.Blocks][];
        for (var n = 0; n < genotype.Blocks; n++)
        {
            _modules[n] = new int[_nodes[n].Count];
            var convolves = CellGenotype.Convolves(_nodes[n], space);
            for (var e = 0; e < _nodes[n].Count; e++)
            {
                _modules[n][e] = ops.Count;
                var op = OperationTable.Create(space.Operation(_nodes[n][e].Op), channels, affine: true, space.Form, convExpansion);
                // a fused skip starts at 0 beside a convolution (the node starts as the convolution alone), at 1 without one
                if (op is ScaledIdentity skip && !convolves) skip.StartAsIdentity();
                ops.Add(op);
            }
        }
        _activates = space.Form == CellForm.Fused;
        RegisterComponents();
    }

    public CellGenotype Genotype { get; }

    /// <summary>The cell's graph on the projected states s0 and s1 (null where the cell does not read it): its nodes, concatenated.</summary>
    public string Emit(IGraphEmitter g, string? s0, string? s1)
    {
        var states = new List<string?>(2 + Genotype.Blocks) { s0, s1 };
        for (var node = 0; node < Genotype.Blocks; node++)
        {
            var terms = _nodes[node].Select((edge, e) => ((IExportable)ops[_modules[node][e]]).Emit(g, states[edge.Input]!)).ToArray();
            var sum = terms.Length == 1 ? terms[0] : g.Add(terms[0], terms[1]);
            states.Add(_activates ? g.Relu(sum) : sum);
        }
        return Genotype.Blocks == 1 ? states[2]! : g.Concat(states.Skip(2)!);
    }

    /// <param name="s0">the projected previous state; null where the cell does not read it (<see cref="CellGenotype.Reads"/>)</param>
    /// <param name="s1">the projected state two layers back; null where the cell does not read it</param>
    public override Tensor forward(Tensor? s0, Tensor? s1)
    {
        var states = new List<Tensor?>(2 + Genotype.Blocks) { s0, s1 };
        for (var node = 0; node < Genotype.Blocks; node++)
        {
            var terms = _nodes[node].Select((edge, e) => ops[_modules[node][e]].call(states[edge.Input]!)).ToArray();
            states.Add(NodeSum.Of(terms, _activates));
        }
        return Genotype.Blocks == 1 ? states[2]! : torch.cat(states.Skip(2).ToArray()!, 1);
    }
}
