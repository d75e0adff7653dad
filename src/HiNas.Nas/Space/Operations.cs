namespace HiNas.Nas.Space;

/// <summary>
/// The operation registry: the candidates of a cell edge, in the order of α's last axis. This is the one place an
/// operation is added; the search cell, the derived cell, the ONNX exporter and the latency profiler all read it.
/// </summary>
public static class Operations
{
    public static readonly IReadOnlyList<Operation> All = new Operation[]
    {
        new(OperationNames.Conv3x3, OperationKind.Conv, 3),
        new(OperationNames.SepConv3x3, OperationKind.Separable, 3),
        new(OperationNames.SepConv5x5, OperationKind.Separable, 5),
        new(OperationNames.DilConv3x3, OperationKind.DilatedSeparable, 3, 2),
        new(OperationNames.DilConv5x5, OperationKind.DilatedSeparable, 5, 2),
        new(OperationNames.Skip, OperationKind.Skip),
        new(OperationNames.None, OperationKind.None),
    };

    /// <summary>The operation named <paramref name="name"/>; an error listing the known names otherwise.</summary>
    public static Operation Named(string name) =>
        All.FirstOrDefault(o => o.Name == name) ?? throw new ArgumentException($"unknown operation '{name}' (known: {string.Join(", ", All.Select(o => o.Name))})", nameof(name));
}
