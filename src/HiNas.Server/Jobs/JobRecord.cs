using HiNas.Nas.Settings;
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

    /// <summary>Latency-budgeted jobs: the budget's arithmetic (<see cref="HiNas.Imaging.Tasks.ModelPrecision"/>); null is float32.</summary>
    public string? LatencyPrecision { get; init; }

    /// <summary>Training jobs that publish an int8 package: how its graph is made; null publishes float32.</summary>
    public Int8Settings? Int8 { get; init; }

    public bool IsFinal => State is JobState.Succeeded or JobState.Failed or JobState.Cancelled;

    /// <summary>The stages the job runs, in order.</summary>
    public IReadOnlyList<string> Stages => (LatencyResolution is null ? Array.Empty<string>() : new[] { JobStages.Profile }).Concat(Kind switch
    {
        JobKind.Search => new[] { JobStages.Search },
        JobKind.Train => new[] { JobStages.Train, JobStages.Export },
        _ => new[] { JobStages.Search, JobStages.Train, JobStages.Export },
    }).ToArray();
}

/// <summary>A latency-budgeted job's budget: for one frame of <paramref name="Resolution"/> ("WxH"), in <paramref name="Precision"/>.</summary>
public sealed record JobBudget(string Resolution, double BudgetMs, string Precision);

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

/// <summary>An event of a job's log with where it came from: the stage and line of the run's events.jsonl, for resuming.</summary>
public sealed record LoggedEvent(JobEvent Event, string? Stage = null, long? SourceLine = null)
{
    public long Index => Event.Index;

    /// <summary>A step event (one optimiser step): the ones sampled and compacted; the others (stages, epochs, validations, results) all stay.</summary>
    public bool IsStep => Event.EventCase == JobEvent.EventOneofCase.Progress && Event.Progress.Kind == "step";
}

/// <summary>
/// A job in memory: its persisted state, its event log (replayed to watchers), and the signal watchers wait on.
/// All members are thread-safe.
/// <para>
/// Event indices are given once and never change. The log keeps at most <see cref="MaxEvents"/> events: beyond that,
/// every other step event of the older half goes (<see cref="Compact"/>), so a long job's log stays small while its
/// milestones and recent steps remain; a watcher resuming from an index that was compacted away gets the events after it.
/// </para>
/// </summary>
public sealed class JobRecord
{
    /// <summary>Events kept per job (in memory and, after compaction, on disk).</summary>
    public const int MaxEvents = 2000;

    private readonly object _gate = new();
    private readonly List<LoggedEvent> _events = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private JobStatus _state;
    private long _nextIndex;

    public JobRecord(JobStatus state, string folder, IEnumerable<LoggedEvent>? events = null)
    {
        _state = state;
        Folder = folder;
        if (events is not null) _events.AddRange(events);
        _nextIndex = _events.Count == 0 ? 0 : _events[^1].Index + 1;
        Compact(_events);
    }

    public string Folder { get; }
    public string Id => _state.Id;

    /// <summary>Cancels the running stage (set while the job runs).</summary>
    public CancellationTokenSource? Cancellation { get; set; }

    /// <summary>When the last step event was kept (the sampling of step events).</summary>
    public DateTimeOffset LastStepEvent { get; set; }

    public JobStatus Status
    {
        get
        {
            lock (_gate) return _state;
        }
    }

    /// <summary>The index the next event gets: events given so far, compacted ones included.</summary>
    public long NextIndex
    {
        get
        {
            lock (_gate) return _nextIndex;
        }
    }

    /// <summary>The events kept now, oldest first.</summary>
    public IReadOnlyList<LoggedEvent> Events
    {
        get
        {
            lock (_gate) return _events.ToArray();
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
    /// under the record's lock: when it throws, the event is not added. When the log is full it is compacted and
    /// <paramref name="rewrite"/> gets the events kept (to replace the file).
    /// </summary>
    public JobEvent Append(Action<JobEvent> fill, string? stage, long? sourceLine, Action<LoggedEvent> persist, Action<IReadOnlyList<LoggedEvent>>? rewrite = null)
    {
        var e = new JobEvent { JobId = Id, Time = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow) };
        fill(e);
        TaskCompletionSource changed;
        lock (_gate)
        {
            e.Index = _nextIndex;
            var logged = new LoggedEvent(e, stage, sourceLine);
            persist(logged);
            _events.Add(logged);
            _nextIndex++;
            if (_events.Count > MaxEvents && Compact(_events)) rewrite?.Invoke(_events.ToArray());
            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
        return e;
    }

    /// <summary>
    /// Removes every other step event from the older half of <paramref name="events"/> while there are more than
    /// <see cref="MaxEvents"/>; the newest events and every event that is not a step stay. True when any went.
    /// </summary>
    public static bool Compact(List<LoggedEvent> events)
    {
        var removed = false;
        while (events.Count > MaxEvents)
        {
            var half = events.Count / 2;
            var older = events.Take(half).ToList();
            var steps = 0;
            var kept = older.Where(e => !e.IsStep || steps++ % 2 == 1).ToList();
            if (kept.Count == older.Count) break; // nothing left to thin: milestones only
            events.RemoveRange(0, half);
            events.InsertRange(0, kept);
            removed = true;
        }
        return removed;
    }

    /// <summary>
    /// At most <paramref name="max"/> events with an index of <paramref name="from"/> or more, whether the job is final,
    /// and a task that completes at the next change.
    /// </summary>
    public (IReadOnlyList<JobEvent> Events, bool Final, Task Changed) Read(long from, int max)
    {
        lock (_gate)
        {
            var lo = 0;
            var hi = _events.Count;
            while (lo < hi)
            {
                var mid = (lo + hi) / 2;
                if (_events[mid].Index < from) lo = mid + 1;
                else hi = mid;
            }
            var events = _events.Skip(lo).Take(max).Select(e => e.Event).ToList();
            var final = _state.IsFinal && _events.Count > 0 && _events[^1].Event.EventCase == JobEvent.EventOneofCase.Result;
            return (events, final, _changed.Task);
        }
    }
}
