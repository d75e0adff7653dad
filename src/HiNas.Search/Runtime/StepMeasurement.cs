using System.Diagnostics;

namespace HiNas.Search.Runtime;

/// <summary>
/// Peak memory and time of repeated steps, as the profilers report them: the resident memory just before the steps,
/// the peak during them over it, and the mean seconds per step without the first (which warms caches and allocators).
/// </summary>
public sealed record StepMeasurement(long PeakMemoryBytes, long BaselineMemoryBytes, bool PeakWasReset, double SecondsPerStep)
{
    /// <summary>Runs <paramref name="step"/> <paramref name="steps"/> times (at least 2); <paramref name="synchronize"/> waits for a device's queued work.</summary>
    public static StepMeasurement Of(int steps, Action step, Action? synchronize = null)
    {
        if (steps < 2) throw new ArgumentOutOfRangeException(nameof(steps), steps, "profile at least 2 steps");
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var baseline = ProcessMemory.CurrentBytes();
        var reset = ProcessMemory.TryResetPeak();
        var clock = new Stopwatch();
        for (var i = 0; i < steps; i++)
        {
            if (i == 1) clock.Start();
            step();
        }
        synchronize?.Invoke();
        clock.Stop();
        return new StepMeasurement(Math.Max(0, ProcessMemory.PeakBytes() - baseline), baseline, reset, clock.Elapsed.TotalSeconds / (steps - 1));
    }
}
