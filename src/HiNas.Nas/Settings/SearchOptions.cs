using System.Globalization;
using HiNas.Imaging.Tasks;

namespace HiNas.Nas.Settings;

/// <summary>
/// Everything a search run needs, resolved (written to RUN_DIR/options.json). Defaults are sized for a
/// 2-core CPU; <see cref="SearchPresets"/> has the paper's configurations.
/// </summary>
public sealed record SearchOptions
{
    public required SupernetConfig Supernet { get; init; }
    public DataSpec Data { get; init; } = new();
    public int Epochs { get; init; } = 10;
    public int Warmup { get; init; } = 2;
    public int StepsPerEpoch { get; init; } = 40;
    public int Batch { get; init; } = 4;
    public int Crop { get; init; } = 32;
    public ulong Seed { get; init; } = 1;

    /// <summary>Fraction of the training images that form the a-train (architecture) split.</summary>
    public double ArchitectSplit { get; init; } = 0.5;

    /// <summary>How the weights are updated (<see cref="WeightOptimizers"/>); the learning rates and decay below are its recipe's.</summary>
    public string WeightOptimizer { get; init; } = WeightOptimizers.Sgd;
    public double WeightLearningRate { get; init; } = 0.025;
    public double WeightLearningRateMin { get; init; } = 0.001;
    public double Momentum { get; init; } = 0.9;
    public double WeightDecay { get; init; } = 3e-4;
    public double GradientClip { get; init; } = 5.0;
    /// <summary>
    /// The pixel term of the loss that both the weights and α/β descend (<see cref="PixelLosses"/>); null: the task's (the
    /// paper's: MSE for denoising, L1 for SR, each with its SSIM term).
    /// </summary>
    public string? PixelLoss { get; init; }

    /// <summary>
    /// Adam on α and β: sized so that the CPU-sized default search (320 architecture steps) moves α. The official 1e-3
    /// with L2 decay 1e-3 (<see cref="SearchPresets"/>) left α and β uniform to 4 decimals here: the restoration loss's
    /// gradients on them are smaller than the decay's pull back to zero (docs/cli.md, "Defaults and presets").
    /// </summary>
    public double ArchitectLearningRate { get; init; } = 1e-2;
    public double ArchitectWeightDecay { get; init; }

    /// <summary>
    /// Dropout rate on every skip connection of the supernet during the search (P-DARTS); 0 is the paper's search.
    /// Short searches otherwise collapse toward skip connections.
    /// </summary>
    public double SkipDropout { get; init; }

    /// <summary>
    /// Rate at which each candidate operation's output is dropped per sample during the search (the path dropout of
    /// one-shot searches, against operations co-adapting around the one that learns fastest); 0 is the paper's search.
    /// </summary>
    public double OperationDropout { get; init; }

    /// <summary>How the weights are trained (<see cref="SupernetTrainings"/>): the whole mixture (the paper's) or one drawn network per step.</summary>
    public string SupernetTraining { get; init; } = SupernetTrainings.Mixture;

    /// <summary>Whether the weights are trained one drawn network at a time (<see cref="SupernetTrainings.SinglePath"/>): no α/β steps.</summary>
    public bool IsSinglePath => SupernetTraining == SupernetTrainings.SinglePath;

    /// <summary>Networks a single-path search draws and ranks on its trained supernet to derive its network.</summary>
    public int RankedNetworks { get; init; } = DefaultRankedNetworks;

    public const int DefaultRankedNetworks = 64;

    /// <summary>
    /// Steps in each single-path epoch (after the warm-up); null: <see cref="StepsPerEpoch"/>. A single-path step costs
    /// about a twentieth of a mixture step, so a search that warms up the mixture and fine-tunes one network at a time
    /// needs many more of them per epoch.
    /// </summary>
    public int? SinglePathStepsPerEpoch { get; init; }

    /// <summary>Steps in epoch <paramref name="epoch"/> (from 0): the single-path phase's after the warm-up, else <see cref="StepsPerEpoch"/>.</summary>
    public int StepsIn(int epoch) => IsSinglePath && epoch >= Warmup ? SinglePathStepsPerEpoch ?? StepsPerEpoch : StepsPerEpoch;

    /// <summary>Steps of the epochs before <paramref name="epoch"/> (from 0); <see cref="Epochs"/> gives the whole search's.</summary>
    public long StepsBefore(int epoch) =>
        (long)Math.Min(epoch, Warmup) * StepsPerEpoch + (long)Math.Max(0, epoch - Warmup) * StepsIn(Warmup);

    /// <summary>Intra-op threads; null uses every core.</summary>
    public int? Threads { get; init; }

    /// <summary>"auto" (CUDA when TorchSharp has it), "cpu" or "cuda[:N]".</summary>
    public string Device { get; init; } = "auto";

    /// <summary>
    /// A frame-time budget the architecture step optimises for (latency-budgeted search); a single-path search draws only
    /// networks within it instead; null: the paper's objective.
    /// </summary>
    public Latency.LatencyObjective? Latency { get; init; }

    /// <summary>
    /// Defaults sized for a 2-core CPU (about 10 minutes): denoising L = 3, B = 3, F = 10; super-resolution
    /// L = 2, B = 3, F = 8 (the paper's SR cell count); crop 32 rounded up to a multiple of the scale, batch 4.
    /// </summary>
    public static SearchOptions DefaultsFor(RestorationTask task) => new()
    {
        Supernet = task.Kind == RestorationKind.Denoise
            ? new SupernetConfig { Task = task, Layers = 3, Blocks = 3, Filters = 10 }
            : new SupernetConfig { Task = task, Layers = 2, Blocks = 3, Filters = 8 },
        Crop = task.RoundUpToScale(32),
    };

    /// <summary>
    /// The warm-up for a run of <paramref name="epochs"/> epochs when none is given: these options' warm-up, but at most
    /// half the epochs, so that a short search still updates α and β.
    /// </summary>
    public int WarmupFor(int epochs) => Math.Min(Warmup, epochs / 2);

    /// <summary>A run name carrying the key settings, e.g. "search-denoise-s25-gray-L3B4F10-lwas-shared-seed1".</summary>
    public string RunName => string.Create(CultureInfo.InvariantCulture,
        $"search-{Supernet.Task.Slug}-L{Supernet.Layers}B{Supernet.Blocks}F{Supernet.Filters}-{(Supernet.TieCells ? "tied" : "lwas")}-{(Supernet.CellSharing ? "shared" : "perpath")}-seed{Seed}");

    /// <summary>Every range check of the options; a <see cref="SettingException"/> names the setting.</summary>
    public void Validate()
    {
        Supernet.Validate();
        SettingException.Require(Epochs is >= 1 and <= 10_000, "epochs", $"must be in [1, 10000], got {Epochs}");
        SettingException.Require(Warmup >= 0 && Warmup <= Epochs, "warmup", $"must be in [0, {Epochs}] (the epochs), got {Warmup}");
        SettingException.Require(StepsPerEpoch is >= 1 and <= 1_000_000, "steps_per_epoch", $"must be in [1, 1000000], got {StepsPerEpoch}");
        SettingException.Require(Batch is >= 1 and <= 1024, "batch", $"must be in [1, 1024], got {Batch}");
        SettingException.Require(Crop is >= 16 and <= 1024, "crop", $"must be in [16, 1024], got {Crop}");
        SettingException.Require(Crop % Supernet.Task.Scale == 0, "crop", $"must be a multiple of the scale ×{Supernet.Task.Scale}, got {Crop}");
        SettingException.Require(Crop / Supernet.Task.Scale >= 4, "crop", $"crop / scale must be at least 4 pixels, got {Crop}");
        SettingException.Require(ArchitectSplit is > 0 and < 1, "architect_split", $"must be in (0, 1), got {ArchitectSplit}");
        SettingException.Require(WeightOptimizers.IsValid(WeightOptimizer), "weight_optimizer", WeightOptimizers.Refusal(WeightOptimizer));
        SettingException.Require(PixelLoss is null || PixelLosses.TryParse(PixelLoss) is not null, "pixel_loss", PixelLosses.Refusal(PixelLoss));
        SettingException.Require(WeightLearningRate > 0 && WeightLearningRateMin >= 0 && WeightLearningRateMin <= WeightLearningRate,
            "weight_learning_rate", "need 0 ≤ min LR ≤ LR and LR > 0");
        SettingException.Require(ArchitectLearningRate > 0 && ArchitectLearningRate <= 1, "architect_learning_rate", $"must be in (0, 1], got {ArchitectLearningRate}");
        SettingException.Require(ArchitectWeightDecay is >= 0 and <= 1, "architect_weight_decay", $"must be in [0, 1], got {ArchitectWeightDecay}");
        SettingException.Require(SkipDropout is >= 0 and < 1, "skip_dropout", $"must be in [0, 1), got {SkipDropout}");
        SettingException.Require(OperationDropout is >= 0 and < 1, "operation_dropout", $"must be in [0, 1), got {OperationDropout}");
        SettingException.Require(RankedNetworks is >= 1 and <= 100_000, "ranked_networks", $"must be in [1, 100000], got {RankedNetworks}");
        SettingException.Require(SupernetTrainings.IsValid(SupernetTraining), "supernet_training", SupernetTrainings.Refusal(SupernetTraining));
        SettingException.Require(SinglePathStepsPerEpoch is null or (>= 1 and <= 1_000_000), "single_path_steps_per_epoch", $"must be in [1, 1000000], got {SinglePathStepsPerEpoch}");
        SettingException.Require(SinglePathStepsPerEpoch is null || IsSinglePath, "single_path_steps_per_epoch", "applies to a single-path search only (supernet_training single-path)");
        SettingException.Require(!IsSinglePath || Latency is null || Latency.Weight == HiNas.Nas.Latency.LatencyObjective.DefaultWeight, "latency_weight",
            "weighs the latency in α and β's steps, which a single-path search does not take (its budget bounds the networks it draws)");
        SettingException.Require(IsSinglePath || Latency is not { Band: > 0 }, "budget_band",
            "bounds the networks a single-path search draws (supernet_training single-path); a search of α and β aims at 0.9 of the budget by its penalty");
        SettingException.Require(Threads is null or (>= 1 and <= 1024), "threads", $"must be in [1, 1024], got {Threads}");
        SettingException.Require(DeviceNames.IsValid(Device), "device", $"'{Device}' is not auto, cpu, cuda or cuda:N");
        Latency?.Validate();
    }

    /// <summary>These options with the weights updated by <paramref name="name"/> (<see cref="WeightOptimizers"/>) at its recipe's rates and decay.</summary>
    public SearchOptions WithWeightOptimizer(string name) => name switch
    {
        WeightOptimizers.Sgd => this with { WeightOptimizer = name, WeightLearningRate = 0.025, WeightLearningRateMin = 0.001, Momentum = 0.9, WeightDecay = 3e-4 },
        WeightOptimizers.Adam => this with { WeightOptimizer = name, WeightLearningRate = 1e-3, WeightLearningRateMin = 1e-5, WeightDecay = 0 },
        _ => throw new SettingException("weight_optimizer", WeightOptimizers.Refusal(name)),
    };

    /// <summary>Cosine annealing of the weight learning rate over the epochs.</summary>
    public double WeightLearningRateAt(int epoch) =>
        LearningRateSchedules.Cosine(WeightLearningRate, WeightLearningRateMin, (double)epoch / Epochs);
}
