using HiNas.Protocol.V1;
using HiNas.Server.Jobs.Stages;
using HiNas.Server.Observability;
using Microsoft.Extensions.Logging;
using JobState = HiNas.Protocol.V1.JobState;

namespace HiNas.Server.Jobs;

/// <summary>A stage that ended without success; the message becomes the job's error.</summary>
public class JobFailedException(string message) : Exception(message);

/// <summary>A stage's worker was killed by a fault or the out-of-memory killer before it wrote a result (<see cref="WorkerExit.IsRestartable"/>).</summary>
public sealed class WorkerKilledException(WorkerExit exit, string message) : JobFailedException(message)
{
    public WorkerExit Exit { get; } = exit;
}

/// <summary>
/// Takes one job through its stages (<see cref="JobStatus.Stages"/>): queued → running, each stage prepared by its
/// <see cref="IStageLauncher"/> and run by a worker (<see cref="StageWorker"/>), then succeeded, failed or cancelled.
/// A job resumed after a restart continues at its stage, whose run folder holds its checkpoints. A failure of any
/// kind fails this job only.
/// </summary>
public sealed class JobStageMachine
{
    private readonly JobStore _store;
    private readonly StageWorker _worker;
    private readonly ServerMetrics _metrics;
    private readonly Rpc.ServerPaths _paths;
    private readonly ILogger<JobStageMachine> _logger;
    private readonly Dictionary<string, IStageLauncher> _launchers;

    public JobStageMachine(JobStore store, StageWorker worker, IEnumerable<IStageLauncher> launchers, ServerMetrics metrics, Rpc.ServerPaths paths, ILogger<JobStageMachine> logger)
    {
        _paths = paths;
        _store = store;
        _worker = worker;
        _metrics = metrics;
        _logger = logger;
        _launchers = launchers.ToDictionary(l => l.Stage, StringComparer.Ordinal);
        UpdateStateGauge();
    }

    /// <summary>Announces a new job (a "queued" event).</summary>
    public void Queued(JobRecord job)
    {
        _store.Append(job, e => e.Progress = new JobProgress { State = JobState.Queued, Kind = "queued", Message = "queued" });
        UpdateStateGauge();
    }

    /// <summary>Cancels a queued job at once, or stops a running one (its worker is killed).</summary>
    public JobStatus Cancel(JobRecord job)
    {
        JobStatus status;
        lock (job)
        {
            try
            {
                status = _store.Update(job, s => s.IsFinal ? s : s with { CancelRequested = true });
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // a failing disk must not keep a job from being stopped: cancel in memory
                _logger.LogWarning("job {Job}: the cancel request could not be written ({Reason}); cancelling anyway", job.Id, e.Message);
                status = job.Update(s => s.IsFinal ? s : s with { CancelRequested = true }, _ => { });
            }
            if (status.IsFinal) return status;
            if (status.State == JobState.Queued) return Finish(job, JobState.Cancelled, "cancelled before it started");
        }
        try
        {
            job.Cancellation?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // the run ended meanwhile
        }
        return job.Status;
    }

    public async Task RunAsync(JobRecord job, CancellationToken stopping)
    {
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        job.Cancellation = cancellation;
        try
        {
            JobStatus status;
            bool resumed;
            // the pick is atomic with Cancel (which holds the same lock): a job cancelled while queued never starts
            lock (job)
            {
                if (job.Status.IsFinal) return;
                if (job.Status.CancelRequested)
                {
                    Finish(job, JobState.Cancelled, "cancelled before it started");
                    return;
                }
                resumed = job.Status.State == JobState.Running;
                status = _store.Update(job, s => s with { State = JobState.Running, Started = s.Started ?? DateTimeOffset.UtcNow });
            }
            if (status.WorkerPid is { } orphan) WorkerProcess.StopOrphan(orphan, job.Folder);
            UpdateStateGauge();
            _store.Append(job, e => e.Progress = new JobProgress
            {
                State = JobState.Running, Stage = status.Stage, Kind = resumed ? "resumed" : "started", Fraction = status.Progress,
                Message = resumed ? $"resumed after a server restart (stage {status.Stage})" : "started",
            });
            _logger.LogInformation("job {Job} ({Kind}, {Task}) {Action}", job.Id, status.Kind, status.Task, resumed ? "resumed" : "started");

            var stages = status.Stages;
            foreach (var stage in stages.Skip(Math.Max(0, stages.ToList().IndexOf(status.Stage))))
            {
                cancellation.Token.ThrowIfCancellationRequested();
                var (start, _) = JobStages.Span(status.Kind, stage);
                if (job.Status.Stage != stage)
                {
                    _store.Update(job, s => s with { Stage = stage, Progress = Math.Max(s.Progress, start) });
                    _store.Append(job, e => e.Progress = new JobProgress { State = JobState.Running, Stage = stage, Kind = "stage", Fraction = start, Message = $"{stage} started" });
                }
                var launcher = _launchers[stage];
                launcher.Complete(job, await RunStageAsync(job, stage, launcher, cancellation.Token));
            }
            Finish(job, JobState.Succeeded, null);
        }
        catch (OperationCanceledException) when (job.Status.CancelRequested)
        {
            Finish(job, JobState.Cancelled, "cancelled while running");
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            _store.Update(job, s => s with { WorkerPid = null });
            _logger.LogInformation("job {Job} stopped with the server; it resumes on the next start", job.Id);
        }
        catch (JobFailedException e)
        {
            Finish(job, JobState.Failed, e.Message);
        }
        catch (Exception e)
        {
            // whatever else went wrong fails this job only: the queue (and the server) go on
            _logger.LogError(e, "job {Job} failed", job.Id);
            Finish(job, JobState.Failed, e switch
            {
                Grpc.Core.RpcException rpc => rpc.Status.Detail,
                IOException or UnauthorizedAccessException => $"the server could not read or write the job's files: {e.Message}",
                _ => "internal error (the server logged it)",
            });
        }
        finally
        {
            job.Cancellation = null;
        }
    }

    /// <summary>
    /// The stage's worker run (null when the stage has nothing left to do); a worker killed by a fault or the
    /// out-of-memory killer runs once more after the stage is prepared again (a search or training resumes from its
    /// checkpoints; an export published just before the kill is not redone), and the job's log says so.
    /// </summary>
    private async Task<HiNas.Nas.Workers.WorkerResult?> RunStageAsync(JobRecord job, string stage, IStageLauncher launcher, CancellationToken cancellation)
    {
        for (var attempt = 0; ; attempt++)
        {
            var run = launcher.Prepare(job);
            if (run is null) return null;
            try
            {
                return await _worker.RunAsync(job, stage, run, cancellation);
            }
            catch (WorkerKilledException e) when (attempt < StageWorker.KilledRestarts)
            {
                _logger.LogWarning("job {Job}: the {Stage} worker {Exit}; running the stage again", job.Id, stage, e.Exit.Describe());
                _store.Append(job, p => p.Progress = new JobProgress
                {
                    State = JobState.Running, Stage = stage, Kind = "restarted", Fraction = job.Status.Progress,
                    Message = $"the {stage} worker {e.Exit.Describe()}; restarted from the stage's checkpoints",
                });
            }
        }
    }

    private JobStatus Finish(JobRecord job, JobState state, string? error)
    {
        JobResult? result = null;
        // clients read the error: the server's folders are named, not spelled out (the log has the full text)
        if (error is not null) _logger.LogInformation("job {Job} ends {State}: {Error}", job.Id, state, error);
        error = error is null ? null : _paths.Redact(error);
        var status = _store.Finish(job, s => s with
        {
            State = state, Error = error is null || state == JobState.Succeeded ? null : error, Finished = DateTimeOffset.UtcNow, WorkerPid = null,
            Progress = state == JobState.Succeeded ? 1 : s.Progress,
        }, e => e.Result = result ??= ResultOf(job.Status));
        _metrics.JobsFinished.WithLabels(state.ToString()).Inc();
        UpdateStateGauge();
        _logger.LogInformation("job {Job} {State}{Error}", job.Id, state, status.Error is null ? "" : $": {status.Error}");
        return status;
    }

    private static JobResult ResultOf(JobStatus status)
    {
        var result = new JobResult { State = status.State, Error = status.Error ?? "", GenotypeJson = status.GenotypeJson ?? "", ModelId = status.ModelPublished ? status.ModelId : "" };
        if (status.BestValidationPsnr is { } psnr) result.BestValidationPsnr = psnr;
        return result;
    }

    private void UpdateStateGauge()
    {
        var counts = _store.All.GroupBy(j => j.Status.State).ToDictionary(g => g.Key, g => g.Count());
        foreach (var state in Enum.GetValues<JobState>().Where(s => s != JobState.Unspecified))
            _metrics.JobStates.WithLabels(state.ToString()).Set(counts.GetValueOrDefault(state));
    }
}
