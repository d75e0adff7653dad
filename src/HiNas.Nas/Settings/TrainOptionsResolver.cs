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
        var d = TrainOptions.DefaultsFor(task, architecture.WithRetraining(s.WidthMultiplier, s.Head, s.AsSearched));
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
}
