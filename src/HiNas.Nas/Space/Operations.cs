namespace HiNas.Nas.Space;

/// <summary>
/// The operation registry: the candidates of a cell edge, in the order of α's last axis. This is the one place an
/// operation is added; the search cell, the derived cell, the ONNX exporter and the latency profiler all read it.
/// The dilated candidates are dense or separable by the space's <see cref="ConvStyle"/>; names and order do
/// not change with it.
/// </summary>
public static class Operations
{
    private static readonly IReadOnlyList<Operation> DenseDilations = Table(OperationKind.Conv, OperationKind.Skip);
    private static readonly IReadOnlyList<Operation> SeparableDilations = Table(OperationKind.DilatedSeparable, OperationKind.Skip);
    private static readonly IReadOnlyList<Operation> FusedDenseDilations = Table(OperationKind.Conv, OperationKind.ScaledSkip);
    private static readonly IReadOnlyList<Operation> FusedSeparableDilations = Table(OperationKind.DilatedSeparable, OperationKind.ScaledSkip);

    /// <summary>The candidates with dense dilated convolutions (the official operation table).</summary>
    public static IReadOnlyList<Operation> All => DenseDilations;

    /// <summary>
    /// The candidates of a space whose dilated convolutions are <paramref name="style"/>, in cells of
    /// <paramref name="form"/> (fused cells' skip is scaled: <see cref="OperationKind.ScaledSkip"/>).
    /// </summary>
    public static IReadOnlyList<Operation> For(ConvStyle style, CellForm form = CellForm.Paper) => (style, form) switch
    {
        (ConvStyle.Dense, CellForm.Paper) => DenseDilations,
        (_, CellForm.Paper) => SeparableDilations,
        (ConvStyle.Dense, _) => FusedDenseDilations,
        _ => FusedSeparableDilations,
    };

    /// <summary>The operation named <paramref name="name"/>; an error listing the known names otherwise.</summary>
    public static Operation Named(string name, ConvStyle style = ConvStyle.Dense, CellForm form = CellForm.Paper) =>
        For(style, form).FirstOrDefault(o => o.Name == name) ?? throw new ArgumentException($"unknown operation '{name}' (known: {string.Join(", ", All.Select(o => o.Name))})", nameof(name));

    private static IReadOnlyList<Operation> Table(OperationKind dilated, OperationKind skip) => new Operation[]
    {
        new(OperationNames.Conv3x3, OperationKind.Conv, 3),
        new(OperationNames.SepConv3x3, OperationKind.Separable, 3),
        new(OperationNames.SepConv5x5, OperationKind.Separable, 5),
        new(OperationNames.DilConv3x3, dilated, 3, 2),
        new(OperationNames.DilConv5x5, dilated, 5, 2),
        new(OperationNames.Skip, skip),
        new(OperationNames.None, OperationKind.None),
    };
}
