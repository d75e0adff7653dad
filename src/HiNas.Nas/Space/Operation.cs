namespace HiNas.Nas.Space;

/// <summary>How an operation computes, the family its module comes from.</summary>
public enum OperationKind
{
    /// <summary>LeakyReLU → dense k×k convolution (dilation d) → BatchNorm.</summary>
    Conv,

    /// <summary>(LeakyReLU → depthwise k×k → pointwise 1×1 → BatchNorm), twice.</summary>
    Separable,

    /// <summary>LeakyReLU → depthwise k×k with dilation d → pointwise 1×1 → BatchNorm.</summary>
    DilatedSeparable,

    /// <summary>The input itself.</summary>
    Skip,

    /// <summary>
    /// The input times a learned factor per channel that starts at 0 (at 1 in a derived node without a convolution,
    /// which would otherwise be dead): the skip connection of fused cells (<see cref="CellForm.Fused"/>). Their nodes
    /// sum without a normalising projection, so a plain skip adds its state at full size to a BatchNorm'd convolution
    /// layer after layer and the activations grow; started at 0, a network begins as the plain stack of its
    /// convolutions (FFDNet's start) and learns how much of each skip to add —
    /// measured (bench/search-recipe, σ 25 RGB, 4,000 iterations): FFDNet 7 × 48's five convolutions wired as
    /// ReLU(conv(previous) + skip(the one before)) scored 28.19 dB with plain skips, 29.06 with scaled ones (the stack
    /// alone 28.92, a BatchNorm on each node's sum instead 28.97). Exported as one Mul.
    /// </summary>
    ScaledSkip,

    /// <summary>Zero: the edge contributes nothing (every mixed op's candidate; derived only where the space's set names it: <see cref="OperationSet.OffersNone"/>).</summary>
    None,
}

/// <summary>
/// One candidate operation of a cell edge, as data: its name (genotype JSON, latency keys), its family, kernel and
/// dilation. Every operation keeps the channel count and the spatial size (stride 1). The TorchSharp module, its ONNX
/// graph and its latency part are all made from this record (<see cref="Operations"/>).
/// </summary>
public sealed record Operation(string Name, OperationKind Kind, int Kernel = 0, int Dilation = 1)
{
    /// <summary>Whether the operation costs time (skip and none do not: they have no latency-table entry; a scaled skip does).</summary>
    public bool HasCost => Kind is not (OperationKind.Skip or OperationKind.None);

    /// <summary>Whether it is a convolution (which can write its node alone, a fused ReLU folded in: no pass of its own).</summary>
    public bool Convolves => Kind is OperationKind.Conv or OperationKind.Separable or OperationKind.DilatedSeparable;

    /// <summary>
    /// The name a latency table keys it by: its name, marked when a dilated candidate is dense, so that a table measured
    /// for one style is never read for the other — tables profiled before the dense style existed measured separable
    /// ones under the bare name; a scaled skip is marked too.
    /// </summary>
    public string Key => Kind == OperationKind.Conv && Dilation > 1 ? Name + "~dense" : Kind == OperationKind.ScaledSkip ? Name + "~scaled" : Name;

    /// <summary>Whether it is an operation with a module (none is not: a none edge adds nothing).</summary>
    public bool IsUsable => Kind != OperationKind.None;
}
