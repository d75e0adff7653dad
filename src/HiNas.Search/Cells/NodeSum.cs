using HiNas.Search.Runtime;
using static TorchSharp.torch;

namespace HiNas.Search.Cells;

/// <summary>
/// A derived node's value from its edges' outputs (one, where the other edge is none, or two): their sum, and in fused
/// cells its ReLU (<see cref="HiNas.Nas.Space.CellForm"/>). The one rule the derived cell and the supernet's
/// sub-networks follow.
/// </summary>
public static class NodeSum
{
    /// <summary>The node; the terms it does not return are disposed (autograd keeps what a backward needs).</summary>
    public static Tensor Of(IReadOnlyList<Tensor> terms, bool activate)
    {
        if (terms.Count == 1)
        {
            if (!activate) return terms[0];
            // not in place: a skip connection's output is its input's storage
            var activated = terms[0].relu();
            terms[0].Dispose();
            return activated;
        }
        var sum = TensorMath.Add(terms[0], terms[1]);
        foreach (var term in terms) term.Dispose();
        // in place: the sum is a fresh tensor no backward keeps (ReLU's backward reads its output)
        return activate ? sum.relu_() : sum;
    }
}
