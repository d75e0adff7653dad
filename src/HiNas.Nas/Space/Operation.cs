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

    /// <summary>Zero: the edge contributes nothing (a mixed op's candidate only; derivation never keeps it).</summary>
    None,
}

/// <summary>
/// One candidate operation of a cell edge, as data: its name (genotype JSON, latency keys), its family, kernel and
/// dilation. Every operation keeps the channel count and the spatial size (stride 1). The TorchSharp module, its ONNX
/// graph and its latency part are all made from this record (<see cref="Operations"/>).
/// </summary>
public sealed record Operation(string Name, OperationKind Kind, int Kernel = 0, int Dilation = 1)
{
    /// <summary>Whether the operation costs time (skip and none do not: they have no latency-table entry).</summary>
    public bool HasCost => Kind is not (OperationKind.Skip or OperationKind.None);

    /// <summary>
    /// The name a latency table keys it by: its name, marked when a dilated candidate is dense, so that a table measured
    /// for one style is never read for the other — tables profiled before the dense style existed measured separable
    /// ones under the bare name.
    /// </summary>
    public string Key => Kind == OperationKind.Conv && Dilation > 1 ? Name + "~dense" : Name;

    /// <summary>Whether a derived cell may use it (none is a search-only candidate).</summary>
    public bool IsUsable => Kind != OperationKind.None;
}
