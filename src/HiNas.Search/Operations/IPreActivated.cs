using static TorchSharp.torch;

namespace HiNas.Search.Operations;

/// <summary>
/// An operation that begins with the search space's LeakyReLU(<see cref="ReluConvBn.Slope"/>). A mixed op activates
/// its input once and hands the result to every such operation: the same values and gradients as each operation
/// activating on its own, with one activation per edge instead of one per operation (less memory and time).
/// </summary>
public interface IPreActivated
{
    /// <summary>Whether this instance begins with the LeakyReLU (a fused cell's operations do not: <see cref="HiNas.Nas.Space.CellForm.Fused"/>).</summary>
    bool IsPreActivated { get; }

    /// <summary>The operation's output given its input already through the LeakyReLU (pre-activated instances only).</summary>
    Tensor ForwardActivated(Tensor activated);
}
