using System.Diagnostics;
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
        if (steps < 2) throw new ArgumentOutOfRangeException(nameof(steps), steps, "profile at least 2 steps");
        using var session = new SearchSession(options);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var baseline = ProcessMemory.CurrentBytes();
        var reset = ProcessMemory.TryResetPeak();
        var clock = new Stopwatch();
        for (var i = 0; i < steps; i++)
        {
            if (i == 1) clock.Start();
            session.ArchitectStep();
            session.WeightStep();
        }
        if (session.Device.type == DeviceType.CUDA) torch.cuda.synchronize(session.Device);
        clock.Stop();
        var peak = ProcessMemory.PeakBytes();
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
            PeakMemoryBytes = Math.Max(0, peak - baseline),
            BaselineMemoryBytes = baseline,
            PeakWasReset = reset,
            SecondsPerStep = clock.Elapsed.TotalSeconds / (steps - 1),
        };
    }
}
