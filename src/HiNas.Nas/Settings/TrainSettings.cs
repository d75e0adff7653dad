namespace HiNas.Nas.Settings;

/// <summary>
/// The settings of a training run as a user gives them (`hinas train` flags, the Jobs RPC's TrainSettings); null
/// takes the default. <see cref="TrainOptionsResolver"/> turns them into <see cref="TrainOptions"/>.
/// </summary>
public sealed record TrainSettings
{
    public string? Data { get; init; }
    public int? Iterations { get; init; }
    public int? Batch { get; init; }
    public int? Crop { get; init; }
    public double? LearningRate { get; init; }

    /// <summary>"cosine" or "poly".</summary>
    public string? Schedule { get; init; }
    public int? ValidateEvery { get; init; }

    /// <summary>Denoising: train blind on σ drawn from [SigmaMin, SigmaMax] (both, or neither).</summary>
    public double? SigmaMin { get; init; }
    public double? SigmaMax { get; init; }
    public ulong? Seed { get; init; }

    /// <summary>HiNAS networks: retrain this many times as wide as searched (default 2).</summary>
    public double? WidthMultiplier { get; init; }

    /// <summary>HiNAS networks: "light" or "decoder".</summary>
    public string? Head { get; init; }
    public int? Threads { get; init; }
    public string? Device { get; init; }
}
