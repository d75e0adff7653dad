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

    /// <summary>Denoising: tell the network each sample's σ (FFDNet's noise-level map) instead of training it blind.</summary>
    public bool NoiseMap { get; init; }

    /// <summary>The loss's pixel term (<see cref="PixelLosses"/>); null: the task's.</summary>
    public string? PixelLoss { get; init; }
    public ulong? Seed { get; init; }

    /// <summary>HiNAS networks: retrain this many times as wide as searched (default 2; 1 as searched).</summary>
    public double? WidthMultiplier { get; init; }

    /// <summary>HiNAS networks: "light" or "decoder" (default the decoder; light as searched).</summary>
    public string? Head { get; init; }

    /// <summary>HiNAS networks of fused cells: train each k×k convolution this many times expanded (<see cref="ArchitectureSpec.ConvExpansion"/>; default 1).</summary>
    public int? ConvExpansion { get; init; }

    /// <summary>
    /// The network met a latency budget as searched: unless asked otherwise retrain it as searched (×1, light head), as
    /// every network of the frame-time space is (<see cref="ArchitectureSpec.WithRetraining"/>).
    /// </summary>
    public bool AsSearched { get; init; }
    public int? Threads { get; init; }
    public string? Device { get; init; }
}
