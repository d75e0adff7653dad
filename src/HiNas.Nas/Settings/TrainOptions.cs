using System.Globalization;
using HiNas.Imaging.Tasks;

namespace HiNas.Nas.Settings;

/// <summary>Resolved options of a training run (written to TRAIN_DIR/options.json).</summary>
public sealed record TrainOptions
{
    public required RestorationTask Task { get; init; }
    public required ArchitectureSpec Architecture { get; init; }
    public DataSpec Data { get; init; } = new();
    public int Iterations { get; init; } = 2000;
    public int Batch { get; init; } = 16;
    public int Crop { get; init; } = 48;
    public double LearningRate { get; init; } = 1e-3;
    public double LearningRateMin { get; init; } = 1e-5;

    /// <summary>"cosine" or "poly" (power 0.9).</summary>
    public string Schedule { get; init; } = "cosine";

    public int ValidateEvery { get; init; } = 250;

    /// <summary>Denoising: train on σ drawn uniformly from [min, max] per sample (a blind denoiser); validation stays at the task's σ.</summary>
    public double[]? NoiseSigmaRange { get; init; }

    /// <summary>Denoising: the network is told each sample's σ (FFDNet's noise-level map, <see cref="Imaging.Tasks.NoiseLevelMap"/>) instead of guessing it.</summary>
    public bool NoiseMap { get; init; }

    /// <summary>The pixel term of the loss (<see cref="PixelLosses"/>); null: the task's (the paper's: MSE for denoising, L1 for SR).</summary>
    public string? PixelLoss { get; init; }
    public ulong Seed { get; init; } = 1;
    public int? Threads { get; init; }
    public string Device { get; init; } = "auto";

    /// <summary>
    /// Fine-tuning: the folder of an earlier training run of the same network whose best weights this run starts from
    /// (a fresh optimiser and this run's schedule: longer, on other data, at a larger crop); null: from scratch.
    /// </summary>
    public string? InitFrom { get; init; }

    /// <summary>The defaults for a task and architecture: the crop rounded up to a multiple of the scale.</summary>
    public static TrainOptions DefaultsFor(RestorationTask task, ArchitectureSpec architecture)
    {
        var d = new TrainOptions { Task = task, Architecture = architecture };
        return d with { Crop = task.RoundUpToScale(d.Crop) };
    }

    /// <summary>The validation interval for a run of <paramref name="iterations"/> when none is given: at most the run's length.</summary>
    public int ValidateEveryFor(int iterations) => Math.Min(ValidateEvery, Math.Max(1, iterations));

    /// <summary>The final learning rate for a starting rate <paramref name="learningRate"/>: never above it.</summary>
    public double LearningRateMinFor(double learningRate) => Math.Min(LearningRateMin, learningRate);

    public string RunName => string.Create(CultureInfo.InvariantCulture, $"train-{Task.Slug}-{Architecture.Kind}-it{Iterations}-seed{Seed}");

    /// <summary>Every range check of the options; a <see cref="SettingException"/> names the setting.</summary>
    public void Validate()
    {
        Architecture.Validate();
        SettingException.Require(Iterations is >= 1 and <= 100_000_000, "iterations", $"must be in [1, 1e8], got {Iterations}");
        SettingException.Require(Batch is >= 1 and <= 1024, "batch", $"must be in [1, 1024], got {Batch}");
        SettingException.Require(Crop is >= 16 and <= 2048, "crop", $"must be in [16, 2048], got {Crop}");
        SettingException.Require(Crop % Task.Scale == 0, "crop", $"must be a multiple of the scale ×{Task.Scale}, got {Crop}");
        SettingException.Require(LearningRate > 0 && double.IsFinite(LearningRate), "learning_rate", $"must be a positive number, got {LearningRate}");
        SettingException.Require(LearningRateMin >= 0 && LearningRateMin <= LearningRate, "learning_rate_min", $"must be in [0, {LearningRate}] (the learning rate), got {LearningRateMin}");
        SettingException.Require(Schedule is "cosine" or "poly", "schedule", $"'{Schedule}' is not cosine or poly");
        SettingException.Require(PixelLoss is null || PixelLosses.TryParse(PixelLoss) is not null, "pixel_loss", PixelLosses.Refusal(PixelLoss));
        SettingException.Require(ValidateEvery >= 1, "validate_every", $"must be ≥ 1, got {ValidateEvery}");
        SettingException.Require(Threads is null or (>= 1 and <= 1024), "threads", $"must be in [1, 1024], got {Threads}");
        SettingException.Require(DeviceNames.IsValid(Device), "device", $"'{Device}' is not auto, cpu, cuda or cuda:N");
        SettingException.Require(InitFrom is null || Path.IsPathFullyQualified(InitFrom), "init_from", $"must be the absolute path of a training run, got '{InitFrom}'");
        SettingException.Require(NoiseSigmaRange is null || (NoiseSigmaRange.Length == 2 && NoiseSigmaRange[0] >= 0 && NoiseSigmaRange[1] > NoiseSigmaRange[0] && NoiseSigmaRange[1] <= 255),
            "sigma_range", "must be MIN:MAX with 0 ≤ MIN < MAX ≤ 255");
        SettingException.Require(NoiseSigmaRange is null || Task.Kind == RestorationKind.Denoise, "sigma_range", "is for denoising");
        SettingException.Require(!NoiseMap || Task.Kind == RestorationKind.Denoise, "noise_map", "is for denoising");
        SettingException.Require(!NoiseMap || NoiseSigmaRange is not null, "noise_map", "needs sigma_range (MIN:MAX): a denoiser told the noise serves a range of σ");
        SettingException.Require(!NoiseMap || Architecture.Kind is ArchitectureSpec.GenotypeKind or ArchitectureSpec.RandomKind or ArchitectureSpec.DnCnnKind or ArchitectureSpec.FfdnetKind, "noise_map",
            $"needs a HiNAS genotype, DnCNN or FFDNet, not {Architecture.Kind}");
        if (Architecture.Genotype is { } g && g.Task != Task)
            throw new SettingException("architecture", $"the genotype was searched for {g.Task.Slug} but the training task is {Task.Slug}; retrain on the task it was searched for");
    }

    /// <summary>Learning rate at iteration <paramref name="iteration"/> (0-based).</summary>
    public double LearningRateAt(int iteration)
    {
        var progress = Math.Clamp((double)iteration / Iterations, 0, 1);
        return Schedule == "poly"
            ? LearningRateSchedules.Poly(LearningRate, LearningRateMin, progress)
            : LearningRateSchedules.Cosine(LearningRate, LearningRateMin, progress);
    }
}
