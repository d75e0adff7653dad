using HiNas.Nas.Workers;
using HiNas.Protocol.V1;
using JobState = HiNas.Protocol.V1.JobState;

namespace HiNas.Server.Jobs;

/// <summary>What job.json holds: the job's identity and where it stands. Written atomically after every change.</summary>
public sealed record JobStatus
{
    public required string Id { get; init; }
    public required JobKind Kind { get; init; }
    public required string Task { get; init; }
    public JobState State { get; init; } = JobState.Queued;
    public string Stage { get; init; } = "";
    public DateTimeOffset Created { get; init; } = DateTimeOffset.UtcNow;
    public DateTimeOffset? Started { get; init; }
    public DateTimeOffset? Finished { get; init; }
    public string? Error { get; init; }
    public string? GenotypeJson { get; init; }
    /// <summary>The id the model is (to be) published under; training jobs only.</summary>
    public string? ModelId { get; init; }
    public bool ModelPublished { get; init; }
    public double? BestValidationPsnr { get; init; }
    public double Progress { get; init; }
    /// <summary>The running worker process, so that a server that died without stopping it can stop it before resuming.</summary>
    public int? WorkerPid { get; init; }
    public bool CancelRequested { get; init; }

    /// <summary>Latency-budgeted jobs: the input size the budget is for ("WxH"; the job profiles it first) and the budget.</summary>
    public string? LatencyResolution { get; init; }

    public double? BudgetMs { get; init; }

    public bool IsFinal => State is JobState.Succeeded or JobState.Failed or JobState.Cancelled;

    /// <summary>The stages the job runs, in order.</summary>
    public IReadOnlyList<string> Stages => (LatencyResolution is null ? Array.Empty<string>() : new[] { JobStages.Profile }).Concat(Kind switch
    {
        JobKind.Search => new[] { JobStages.Search },
        JobKind.Train => new[] { JobStages.Train, JobStages.Export },
        _ => new[] { JobStages.Search, JobStages.Train, JobStages.Export },
    }).ToArray();
}

public static class JobStages
{
    public const string Profile = WorkerStage.Profile;
    public const string Search = WorkerStage.Search;
    public const string Train = WorkerStage.Train;
    public const string Export = WorkerStage.Export;

    /// <summary>The share of the whole job a stage stands for (progress 0–1 over all stages).</summary>
    public static (double Start, double Width) Span(JobKind kind, string stage) => (kind, stage) switch
    {
        (_, Profile) => (0, 0),
        (JobKind.Search, _) => (0, 1),
        (JobKind.Train, Train) => (0, 0.9),
        (JobKind.Train, _) => (0.9, 0.1),
        (_, Search) => (0, 0.5),
        (_, Train) => (0.5, 0.45),
        _ => (0.95, 0.05),
    };
}

/// <summary>
/// A job in memory: its persisted state, its event log (replayed to watchers), and the signal watchers wait on.
/// All members are thread-safe.
/// </summary>
public sealed class JobRecord
{
    private readonly object _gate = new();
    private readonly List<JobEvent> _events = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private JobStatus _state;

    public JobRecord(JobStatus state, string folder, IEnumerable<JobEvent>? events = null)
    {
        _state = state;
        Folder = folder;
        if (events is not null) _events.AddRange(events);
    }

    public string Folder { get; }
    public string Id => _state.Id;

    /// <summary>Cancels the running stage (set while the job runs).</summary>
    public CancellationTokenSource? Cancellation { get; set; }

    public JobStatus Status
    {
        get
        {
            lock (_gate) return _state;
        }
    }

    public int EventCount
    {
        get
        {
            lock (_gate) return _events.Count;
        }
    }

    /// <summary>
    /// Changes the state and returns the new one. <paramref name="persist"/> writes it first, under the record's lock: when
    /// it throws, the state in memory stays what is on disk.
    /// </summary>
    public JobStatus Update(Func<JobStatus, JobStatus> change, Action<JobStatus> persist)
    {
        TaskCompletionSource changed;
        JobStatus now;
        lock (_gate)
        {
            now = change(_state);
            persist(now);
            _state = now;
            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
        return now;
    }

    /// <summary>
    /// Adds an event with the next index and the current time and returns it. <paramref name="persist"/> writes it first,
    /// under the record's lock: when it throws, the event is not added.
    /// </summary>
    public JobEvent Append(Action<JobEvent> fill, Action<JobEvent> persist)
    {
        var e = new JobEvent { JobId = Id, Time = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow) };
        fill(e);
        TaskCompletionSource changed;
        lock (_gate)
        {
            e.Index = _events.Count;
            persist(e);
            _events.Add(e);
            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
        return e;
    }

    /// <summary>Events from <paramref name="from"/> on, whether the job is final, and a task that completes at the next change.</summary>
    public (IReadOnlyList<JobEvent> Events, bool Final, Task Changed) Read(int from)
    {
        lock (_gate)
        {
            var events = from < _events.Count ? _events.GetRange(from, _events.Count - from) : new List<JobEvent>();
            var final = _state.IsFinal && _events.Count > 0 && _events[^1].EventCase == JobEvent.EventOneofCase.Result;
            return (events, final, _changed.Task);
        }
    }
}
