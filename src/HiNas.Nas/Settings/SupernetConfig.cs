using HiNas.Imaging.Tasks;
using HiNas.Nas.Genotypes;
using HiNas.Nas.Space;

namespace HiNas.Nas.Settings;

/// <summary>The shape of a supernet: task, L layers, B nodes per cell, F filters, width factors, and the two switches.</summary>
public sealed record SupernetConfig
{
    public required RestorationTask Task { get; init; }
    public int Layers { get; init; } = 3;
    public int Blocks { get; init; } = 4;
    public int Filters { get; init; } = 10;
    public IReadOnlyList<double> WidthFactors { get; init; } = SearchSpace.DefaultWidthFactors;
    public int StemChannels { get; init; } = 64;

    /// <summary>One α for all layers (the DARTS/Auto-DeepLab ablation) instead of one per layer (LWAS).</summary>
    public bool TieCells { get; init; }

    /// <summary>One cell per (layer, width) on the β-fused input (HiNAS); false runs one cell per incoming path.</summary>
    public bool CellSharing { get; init; } = true;

    /// <summary>Dense dilated candidates (the official operation table) or separable ones (DARTS's).</summary>
    public ConvStyle DilatedConvs { get; init; } = ConvStyle.Dense;

    /// <summary>The pixel-unshuffle factor r (<see cref="SearchSpace.PixelUnshuffle"/>): 1 for the paper's space, 2 for the frame-time space.</summary>
    public int PixelUnshuffle { get; init; } = 1;

    /// <summary>The light head's convolution (<see cref="SearchSpace.HeadConv"/>).</summary>
    public ConvStyle HeadConv { get; init; } = ConvStyle.Dense;

    /// <summary>Where the cells' nonlinearity sits (<see cref="SearchSpace.Form"/>).</summary>
    public CellForm Form { get; init; } = CellForm.Paper;

    /// <summary>The operations the edges may run (<see cref="SearchSpace.Candidates"/>).</summary>
    public OperationSet Candidates { get; init; } = OperationSet.All;

    public int NodeChannels(int level) => SearchSpace.NodeChannelsFor(Filters, WidthFactors[level]);

    /// <summary>The space these settings search (the two switches change how, not what).</summary>
    public SearchSpace Space => new(Task, Layers, Blocks, Filters, WidthFactors, StemChannels, DilatedConvs, PixelUnshuffle, HeadConv, Form, Candidates);

    public void Validate()
    {
        SettingException.Require(Layers is >= 1 and <= 64, "layers", $"must be in [1, 64], got {Layers}");
        SettingException.Require(Blocks is >= 1 and <= 16, "blocks", $"must be in [1, 16], got {Blocks}");
        SettingException.Require(Filters is >= 1 and <= 1024, "filters", $"must be in [1, 1024], got {Filters}");
        SettingException.Require(StemChannels is >= 1 and <= 1024, "stem_channels", $"must be in [1, 1024], got {StemChannels}");
        SettingException.Require(PixelUnshuffleFactor.IsValid(PixelUnshuffle), "pixel_unshuffle", $"{PixelUnshuffleFactor.Rule}, got {PixelUnshuffle}");
        SettingException.Require(WidthFactors.Count is >= 1 and <= 8 && WidthFactors.All(f => f > 0 && f <= 16), "width_factors", "must be 1 to 8 numbers in (0, 16]");
    }
}
