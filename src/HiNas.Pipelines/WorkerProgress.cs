using HiNas.Nas.Runs;

namespace HiNas.Pipelines;

/// <summary>Where a worker stage reports while it runs (its run folder's events.jsonl carries the same for others).</summary>
public sealed record WorkerProgress
{
    public IProgress<SearchEvent>? Search { get; init; }
    public IProgress<TrainEvent>? Train { get; init; }

    /// <summary>Profiling: each part's key and median milliseconds.</summary>
    public Action<string, double>? Part { get; init; }

    /// <summary>Milestones and checks in one line each.</summary>
    public Action<string>? Log { get; init; }
}
