using HiNas.Search.Operations;
using HiNas.Search.Runtime;
using HiNas.Search.SearchSpace;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace HiNas.Search.Cells;

/// <summary>One searchable edge: Σ_o softmax(α)[o] · o(x) over the candidate operations ("none" adds zero).</summary>
public sealed class MixedOp : Module<Tensor, Tensor, Tensor>
{
    private readonly TorchSharp.Modules.ModuleList<Module<Tensor, Tensor>> ops;
    private readonly int[] _opIndex;

    public MixedOp(long channels) : base(nameof(MixedOp))
    {
        ops = new TorchSharp.Modules.ModuleList<Module<Tensor, Tensor>>();
        var indices = new List<int>();
        for (var i = 0; i < OperationNames.Count; i++)
        {
            if (i == OperationNames.NoneIndex) continue;
            ops.Add(OperationTable.Create(OperationNames.All[i], channels, affine: false));
            indices.Add(i);
        }
        _opIndex = indices.ToArray();
        RegisterComponents();
    }

    /// <param name="x">the input state</param>
    /// <param name="weights">softmax weights over all operations, shape [|ops|]</param>
    public override Tensor forward(Tensor x, Tensor weights)
    {
        Tensor? sum = null;
        for (var i = 0; i < _opIndex.Length; i++)
        {
            var term = ops[i].call(x) * weights[_opIndex[i]];
            sum = sum is null ? term : TensorMath.Add(sum, term);
        }
        return sum!;
    }
}
