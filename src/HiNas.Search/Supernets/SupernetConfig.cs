using HiNas.Imaging.Tasks;
using HiNas.Search.Genotypes;

namespace HiNas.Search.Supernets;

/// <summary>The shape of a supernet: task, L layers, B nodes per cell, F filters, width factors, and the two switches.</summary>
public sealed record SupernetConfig
{
    public required RestorationTask Task { get; init; }
    public int Layers { get; init; } = 3;
    public int Blocks { get; init; } = 4;
    public int Filters { get; init; } = 10;
    public IReadOnlyList<double> WidthFactors { get; init; } = new[] { 1.0, 1.5, 2.0 };
    public int StemChannels { get; init; } = 64;

    /// <summary>One α for all layers (the DARTS/Auto-DeepLab ablation) instead of one per layer (LWAS).</summary>
    public bool TieCells { get; init; }

    /// <summary>One cell per (layer, width) on the β-fused input (HiNAS); false runs one cell per incoming path.</summary>
    public bool CellSharing { get; init; } = true;

    public int NodeChannels(int level) => Genotype.NodeChannelsFor(Filters, WidthFactors[level]);

    public void Validate()
    {
        if (Layers is < 1 or > 64) throw new ArgumentOutOfRangeException(nameof(Layers), Layers, "layers must be in [1, 64]");
        if (Blocks is < 1 or > 16) throw new ArgumentOutOfRangeException(nameof(Blocks), Blocks, "blocks must be in [1, 16]");
        if (Filters is < 1 or > 1024) throw new ArgumentOutOfRangeException(nameof(Filters), Filters, "filters must be in [1, 1024]");
        if (StemChannels is < 1 or > 1024) throw new ArgumentOutOfRangeException(nameof(StemChannels), StemChannels, "stem channels must be in [1, 1024]");
        if (WidthFactors.Count is < 1 or > 8 || WidthFactors.Any(f => !(f > 0) || f > 16))
            throw new ArgumentOutOfRangeException(nameof(WidthFactors), "width factors must be 1 to 8 numbers in (0, 16]");
    }
}
