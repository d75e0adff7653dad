using HiNas.Imaging.Tasks;

namespace HiNas.Nas.Settings;

/// <summary>
/// The one resolver of training settings: the defaults for the task and architecture
/// (<see cref="TrainOptions.DefaultsFor"/>), every explicit setting with the values derived from them (final
/// learning rate, validation interval), then every range check (<see cref="TrainOptions.Validate"/>). `hinas train`
/// and the Jobs service both call it.
/// </summary>
public static class TrainOptionsResolver
{
    public static TrainOptions Resolve(RestorationTask task, ArchitectureSpec architecture, TrainSettings s)
    {
        var d = TrainOptions.DefaultsFor(task, architecture.WithRetraining(s.WidthMultiplier, s.Head, s.AsSearched, s.ConvExpansion));
        var iterations = s.Iterations ?? d.Iterations;
        var learningRate = s.LearningRate ?? d.LearningRate;
        if (s.SigmaMin.HasValue != s.SigmaMax.HasValue) throw new SettingException("sigma_range", "give both its minimum and its maximum, or neither");
        var o = d with
        {
            Data = DataSpec.Parse(s.Data),
            Iterations = iterations,
            Batch = s.Batch ?? d.Batch,
            Crop = s.Crop ?? d.Crop,
            LearningRate = learningRate,
            LearningRateMin = d.LearningRateMinFor(learningRate),
            Schedule = s.Schedule is { Length: > 0 } schedule ? schedule : d.Schedule,
            ValidateEvery = s.ValidateEvery ?? d.ValidateEveryFor(iterations),
            NoiseSigmaRange = s.SigmaMin is { } min ? new[] { min, s.SigmaMax!.Value } : null,
            NoiseMap = s.NoiseMap,
            PixelLoss = s.PixelLoss is { Length: > 0 } loss ? loss : null,
            Seed = s.Seed ?? d.Seed,
            Threads = s.Threads,
            Device = s.Device ?? d.Device,
        };
        o.Validate();
        return o;
    }

    /// <summary>
    /// Fine-tuning: the task, network and loss of the run in <paramref name="sourceDir"/> (its <paramref name="source"/>
    /// options), trained again from its best weights. Each setting given replaces the source's (data, iterations,
    /// crop, learning rate, σ range, …); what would change the network (width multiplier, head, the noise-level map)
    /// is refused. Threads and device are this machine's.
    /// </summary>
    public static TrainOptions FineTune(TrainOptions source, string sourceDir, TrainSettings s)
    {
        if (s.WidthMultiplier is not null || s.Head is not null || s.AsSearched || s.ConvExpansion is not null)
            throw new SettingException("init_from", "fine-tuning trains the network of the run it starts from: give no width multiplier, head or convolution expansion");
        if (s.NoiseMap && !source.NoiseMap)
            throw new SettingException("init_from", "the run it starts from was not told the noise (no noise-level map): its network has no input for it");
        if (s.SigmaMin.HasValue != s.SigmaMax.HasValue) throw new SettingException("sigma_range", "give both its minimum and its maximum, or neither");
        var iterations = s.Iterations ?? source.Iterations;
        var learningRate = s.LearningRate ?? source.LearningRate;
        var d = TrainOptions.DefaultsFor(source.Task, source.Architecture);
        var o = source with
        {
            Data = s.Data is null ? source.Data : DataSpec.Parse(s.Data),
            Iterations = iterations,
            Batch = s.Batch ?? source.Batch,
            Crop = s.Crop ?? source.Crop,
            LearningRate = learningRate,
            LearningRateMin = s.LearningRate is null ? source.LearningRateMin : d.LearningRateMinFor(learningRate),
            Schedule = s.Schedule is { Length: > 0 } schedule ? schedule : source.Schedule,
            ValidateEvery = s.ValidateEvery ?? Math.Min(source.ValidateEvery, iterations),
            NoiseSigmaRange = s.SigmaMin is { } min ? new[] { min, s.SigmaMax!.Value } : source.NoiseSigmaRange,
            PixelLoss = s.PixelLoss is { Length: > 0 } loss ? loss : source.PixelLoss,
            Seed = s.Seed ?? source.Seed,
            Threads = s.Threads, // the runtime is this machine's, not the source run's
            Device = s.Device ?? d.Device,
            InitFrom = Path.GetFullPath(sourceDir),
        };
        o.Validate();
        return o;
    }
}
