using HiNas.Search.Runtime;
using TorchSharp;
using HiNas.Nas.Settings;

namespace HiNas.Search.Searching;

/// <summary>Peak memory and time of search steps (one architecture plus one weight update each).</summary>
public sealed record SearchProfile
{
    public required string RunName { get; init; }
    public required string Device { get; init; }
    public required int Steps { get; init; }
    public required int Batch { get; init; }
    public required int Crop { get; init; }
    public required bool CellSharing { get; init; }
    public required bool TieCells { get; init; }
    public required long Parameters { get; init; }

    /// <summary>The process's oneDNN decision (<see cref="Runtime.OneDnnDecision"/>).</summary>
    public required string OneDnn { get; init; }

    /// <summary>Peak resident memory during the steps minus the resident memory just before them.</summary>
    public required long PeakMemoryBytes { get; init; }
    public required long BaselineMemoryBytes { get; init; }
    public required bool PeakWasReset { get; init; }

    /// <summary>Mean seconds of one search step (architecture + weights), the first step excluded.</summary>
    public required double SecondsPerStep { get; init; }
}

public static class SearchProfiler
{
    /// <summary>Builds the search as configured and times <paramref name="steps"/> search steps (at least 2).</summary>
    public static SearchProfile Profile(SearchOptions options, int steps)
    {
        using var session = new SearchSession(options);
        var measured = StepMeasurement.Of(steps, () =>
        {
            session.ArchitectStep();
            session.WeightStep();
        }, session.Device.type == DeviceType.CUDA ? () => torch.cuda.synchronize(session.Device) : null);
        return new SearchProfile
        {
            RunName = options.RunName,
            Device = session.Device.ToString(),
            Steps = steps,
            Batch = options.Batch,
            Crop = options.Crop,
            CellSharing = options.Supernet.CellSharing,
            TieCells = options.Supernet.TieCells,
            Parameters = session.Network.WeightParameters().Sum(p => p.numel()),
            OneDnn = TorchRuntime.OneDnn.ToString(),
            PeakMemoryBytes = measured.PeakMemoryBytes,
            BaselineMemoryBytes = measured.BaselineMemoryBytes,
            PeakWasReset = measured.PeakWasReset,
            SecondsPerStep = measured.SecondsPerStep,
        };
    }
}
