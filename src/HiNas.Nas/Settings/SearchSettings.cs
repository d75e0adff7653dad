namespace HiNas.Nas.Settings;

/// <summary>
/// The settings of a search as a user gives them (`hinas search` flags, the Jobs RPC's SearchSettings); null takes
/// the default. <see cref="SearchOptionsResolver"/> turns them into <see cref="SearchOptions"/>.
/// </summary>
public sealed record SearchSettings
{
    /// <summary>A configuration of the paper (<see cref="SearchPresets"/>); explicit settings apply on top.</summary>
    public string? Preset { get; init; }
    public int? Layers { get; init; }
    public int? Blocks { get; init; }
    public int? Filters { get; init; }
    public int? StemChannels { get; init; }

    /// <summary>The pixel-unshuffle factor r (1: the paper's space; 2: the frame-time space).</summary>
    public int? PixelUnshuffle { get; init; }
    public bool TieCells { get; init; }
    public bool NoCellSharing { get; init; }

    /// <summary>"dense" (the official operation table) or "separable" dilated candidates.</summary>
    public string? DilatedConvs { get; init; }

    /// <summary>"dense" or "separable" light-head convolution (<see cref="HiNas.Nas.Space.SearchSpace.HeadConv"/>).</summary>
    public string? HeadConv { get; init; }

    /// <summary>"paper" or "fused" cells (<see cref="HiNas.Nas.Space.SearchSpace.Form"/>).</summary>
    public string? CellForm { get; init; }

    /// <summary>Comma-separated operations the edges may run, or "all" (<see cref="HiNas.Nas.Space.SearchSpace.Candidates"/>); null: the preset's, else all.</summary>
    public string? Operations { get; init; }

    /// <summary>The width levels' factors × F (<see cref="HiNas.Nas.Space.SearchSpace.WidthFactors"/>); null: the preset's, else 1, 1.5, 2.</summary>
    public IReadOnlyList<double>? WidthFactors { get; init; }

    /// <summary>"sgd" (the paper's search) or "adam" (the retraining's recipe) for the supernet's weights (<see cref="WeightOptimizers"/>).</summary>
    public string? WeightOptimizer { get; init; }

    /// <summary>The loss's pixel term (<see cref="PixelLosses"/>); null: the task's.</summary>
    public string? PixelLoss { get; init; }

    /// <summary>Adam's learning rate and L2 weight decay for α and β.</summary>
    public double? ArchitectLearningRate { get; init; }
    public double? ArchitectWeightDecay { get; init; }

    /// <summary>A folder, "deadleaves" or "deadleaves:COUNTxSIZE".</summary>
    public string? Data { get; init; }
    public int? Epochs { get; init; }
    public int? Warmup { get; init; }
    public int? StepsPerEpoch { get; init; }
    public int? Batch { get; init; }
    public int? Crop { get; init; }
    public ulong? Seed { get; init; }
    public double? SkipDropout { get; init; }
    public double? OperationDropout { get; init; }
    /// <summary><see cref="SupernetTrainings"/>; null: the mixture (the paper's).</summary>
    public string? SupernetTraining { get; init; }
    public int? RankedNetworks { get; init; }
    /// <summary>Steps in each single-path epoch after the warm-up; null: the steps per epoch.</summary>
    public int? SinglePathStepsPerEpoch { get; init; }
    public int? Threads { get; init; }
    public string? Device { get; init; }

    /// <summary>A latency-budgeted search: the table of the space's parts and the budget (both, or neither).</summary>
    public string? LatencyTable { get; init; }
    public double? BudgetMs { get; init; }
    public double? LatencyWeight { get; init; }

    /// <summary>A single-path search draws networks predicted at no less than this fraction of the budget (<see cref="Latency.LatencyObjective.Band"/>).</summary>
    public double? BudgetBand { get; init; }
}
