using System.Globalization;
using HiNas.Imaging.Tasks;
using HiNas.Search.Data;
using HiNas.Search.Networks;

namespace HiNas.Search.Training;

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
    public ulong Seed { get; init; } = 1;
    public int? Threads { get; init; }
    public string Device { get; init; } = "auto";

    /// <summary>The defaults for a task and architecture: the crop rounded up to a multiple of the scale.</summary>
    public static TrainOptions DefaultsFor(RestorationTask task, ArchitectureSpec architecture)
    {
        var d = new TrainOptions { Task = task, Architecture = architecture };
        return d with { Crop = (d.Crop + task.Scale - 1) / task.Scale * task.Scale };
    }

    /// <summary>The validation interval for a run of <paramref name="iterations"/> when none is given: at most the run's length.</summary>
    public int ValidateEveryFor(int iterations) => Math.Min(ValidateEvery, Math.Max(1, iterations));

    /// <summary>The final learning rate for a starting rate <paramref name="learningRate"/>: never above it.</summary>
    public double LearningRateMinFor(double learningRate) => Math.Min(LearningRateMin, learningRate);

    public string RunName => string.Create(CultureInfo.InvariantCulture, $"train-{Task.Slug}-{Architecture.Kind}-it{Iterations}-seed{Seed}");

    public void Validate()
    {
        if (Iterations is < 1 or > 100_000_000) throw new ArgumentOutOfRangeException(nameof(Iterations), Iterations, "iterations must be in [1, 1e8]");
        if (Batch is < 1 or > 1024) throw new ArgumentOutOfRangeException(nameof(Batch), Batch, "batch must be in [1, 1024]");
        if (Crop is < 16 or > 2048) throw new ArgumentOutOfRangeException(nameof(Crop), Crop, "crop must be in [16, 2048]");
        if (Crop % Task.Scale != 0) throw new ArgumentOutOfRangeException(nameof(Crop), Crop, $"crop must be a multiple of the scale ×{Task.Scale}");
        if (!(LearningRate > 0) || !(LearningRateMin >= 0) || LearningRateMin > LearningRate)
            throw new ArgumentOutOfRangeException(nameof(LearningRate), "need 0 ≤ min LR ≤ LR and LR > 0");
        if (Schedule is not ("cosine" or "poly")) throw new ArgumentOutOfRangeException(nameof(Schedule), Schedule, "schedule must be cosine or poly");
        if (ValidateEvery < 1) throw new ArgumentOutOfRangeException(nameof(ValidateEvery), ValidateEvery, "validation interval must be ≥ 1");
        if (Threads is < 1 or > 1024) throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "threads must be in [1, 1024]");
        if (NoiseSigmaRange is { } r && (r.Length != 2 || Task.Kind != RestorationKind.Denoise || !(r[0] >= 0) || !(r[1] > r[0]) || r[1] > 255))
            throw new ArgumentOutOfRangeException(nameof(NoiseSigmaRange), "a σ range is MIN:MAX with 0 ≤ MIN < MAX ≤ 255, for denoising");
        if (Architecture.Genotype is { } g && g.Task != Task)
            throw new ArgumentException($"the genotype was searched for {g.Task.Slug} but the training task is {Task.Slug}; retrain on the task it was searched for");
    }

    /// <summary>Learning rate at iteration <paramref name="iteration"/> (0-based).</summary>
    public double LearningRateAt(int iteration)
    {
        var progress = Math.Clamp((double)iteration / Iterations, 0, 1);
        return Schedule == "poly"
            ? LearningRateMin + (LearningRate - LearningRateMin) * Math.Pow(1 - progress, 0.9)
            : LearningRateMin + 0.5 * (LearningRate - LearningRateMin) * (1 + Math.Cos(Math.PI * progress));
    }
}
