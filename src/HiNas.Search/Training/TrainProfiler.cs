using HiNas.Imaging.Randomness;
using HiNas.Nas.Settings;
using HiNas.Search.Losses;
using HiNas.Search.Networks;
using HiNas.Search.Runtime;
using TorchSharp;

namespace HiNas.Search.Training;

/// <summary>Peak memory and time of training steps, as <see cref="Trainer"/> runs them.</summary>
public sealed record TrainProfile
{
    public required string RunName { get; init; }
    public required string Network { get; init; }
    public required string Device { get; init; }
    public required int Steps { get; init; }
    public required int Batch { get; init; }
    public required int Crop { get; init; }
    /// <summary>Every parameter that trains, the 1×1 branches the export folds away included.</summary>
    public required long Parameters { get; init; }

    /// <summary>The served network's parameters (<see cref="NetworkCost"/>), the count manifests, summaries and
    /// <c>hinas eval</c> give.</summary>
    public required long ServedParameters { get; init; }

    /// <summary>The process's oneDNN decision (<see cref="Runtime.OneDnnDecision"/>).</summary>
    public required string OneDnn { get; init; }

    /// <summary>Peak resident memory during the steps minus the resident memory just before them.</summary>
    public required long PeakMemoryBytes { get; init; }
    public required long BaselineMemoryBytes { get; init; }
    public required bool PeakWasReset { get; init; }

    /// <summary>Mean seconds of one training step, the first step excluded.</summary>
    public required double SecondsPerStep { get; init; }
}

public static class TrainProfiler
{
    /// <summary>Builds the training as configured and times <paramref name="steps"/> of its steps (at least 2).</summary>
    public static TrainProfile Profile(TrainOptions options, int steps)
    {
        options.Validate();
        var data = Trainer.LoadData(options);
        using var network = TorchRuntime.Seeded(options.Seed, () => options.BuildNetwork());
        network.to(data.Device);
        network.train();
        using var optimizer = torch.optim.Adam(network.parameters(), lr: options.LearningRate);
        var step = new TrainingStep(network, optimizer, RestorationLoss.For(options), data.Sampler, options.Batch, data.Device);
        var random = new DeterministicRandom(DeterministicRandom.Derive(options.Seed, 0x7A1));
        var measured = StepMeasurement.Of(steps, () => step.Run(random),
            data.Device.type == DeviceType.CUDA ? () => torch.cuda.synchronize(data.Device) : null);
        return new TrainProfile
        {
            RunName = options.RunName,
            Network = ((Networks.IRestorationNetwork)network).Describe(),
            Device = data.Device.ToString(),
            Steps = steps,
            Batch = options.Batch,
            Crop = options.Crop,
            Parameters = network.parameters().Sum(p => p.numel()),
            ServedParameters = NetworkCost.Of(network, options.Task).Parameters,
            OneDnn = TorchRuntime.OneDnn.ToString(),
            PeakMemoryBytes = measured.PeakMemoryBytes,
            BaselineMemoryBytes = measured.BaselineMemoryBytes,
            PeakWasReset = measured.PeakWasReset,
            SecondsPerStep = measured.SecondsPerStep,
        };
    }
}
