using System.Text.Json;
using HiNas.Nas.Runs;
using HiNas.Nas.Workers;
using HiNas.Server.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HiNas.Server.Jobs.Stages;

/// <summary>
/// Runs one stage's worker, `hinas run STAGE --options-file F --run DIR` (<see cref="WorkerProcess"/>), follows its
/// events.jsonl into the job's event log while it runs, and reads its result.json when it ends: a failure is the
/// result's error, not a line of its output.
/// </summary>
public sealed class StageWorker(JobStore store, DataRoots roots, IOptions<ServerOptions> options, ILogger<StageWorker> logger)
{
    /// <summary>The worker program (hinas.dll): configured, deployed beside the server, or built beside it (<see cref="WorkerLocation"/>).</summary>
    public string WorkerPath { get; } = WorkerLocation.Resolve(options.Value.Jobs.WorkerPath);

    /// <summary>
    /// Runs the stage's worker once. A failure fails the stage with the worker's own error, or how it ended and its last
    /// output lines; a worker killed by a fault or the out-of-memory killer without a result throws
    /// <see cref="WorkerKilledException"/>, which the job's stage machine answers by running the stage once more.
    /// </summary>
    public async Task<WorkerResult> RunAsync(JobRecord job, string stage, StageRun run, CancellationToken cancellation)
    {
        var (code, result, lastLines) = await RunOnceAsync(job, stage, run, cancellation);
        cancellation.ThrowIfCancellationRequested(); // a worker that ended as the job was cancelled is not a failure to report
        if (result is { Succeeded: true } && code == 0) return result;
        var exit = new WorkerExit(code);
        var said = lastLines.Count == 0 ? "" : $"; its last output: {string.Join(" | ", lastLines)}";
        var noResult = $"the worker {exit.Describe()} without a result (see {JobStore.WorkerLogFile}){said}";
        if (result is null && exit.IsRestartable) throw new WorkerKilledException(exit, $"{stage}: {noResult}");
        var error = result?.Error ?? (result is null ? noResult : $"the worker reported success but {exit.Describe()} (see {JobStore.WorkerLogFile})");
        throw new JobFailedException($"{stage}: {error}");
    }

    /// <summary>How many times a stage whose worker was killed (<see cref="WorkerKilledException"/>) is run again before the job fails.</summary>
    public const int KilledRestarts = 1;

    private async Task<(int Code, WorkerResult? Result, IReadOnlyList<string> LastLines)> RunOnceAsync(JobRecord job, string stage, StageRun run, CancellationToken cancellation)
    {
        var tail = run.EventsFile is null ? null : new EventTail(run.EventsFile, JobStore.ConsumedLines(job, stage));
        Directory.CreateDirectory(run.RunDir);
        WorkerResult.Delete(run.RunDir);
        var args = new[] { "run", stage, "--options-file", run.OptionsFile, "--run", run.RunDir };
        // the worker checks the data roots again as it opens the data (a link swapped in after the request is refused)
        var environment = new Dictionary<string, string> { [Imaging.IO.FolderConfinement.Variable] = roots.Confinement.ToVariable() };
        using var worker = WorkerProcess.Start(WorkerPath, args, Path.Combine(job.Folder, JobStore.WorkerLogFile), environment);
        store.Update(job, s => s with { WorkerPid = worker.Pid });
        var exit = worker.WaitAsync(cancellation);
        while (!exit.IsCompleted)
        {
            await Task.WhenAny(exit, Task.Delay(250, CancellationToken.None));
            Pump(job, stage, tail);
        }
        var code = await exit;
        Pump(job, stage, tail);
        store.Update(job, s => s with { WorkerPid = null });
        return (code, WorkerResult.TryLoad(run.RunDir), worker.LastLines);
    }

    /// <summary>Step events are sampled: at most one per <see cref="StepEventInterval"/> (and the last step); every other event is kept.</summary>
    public static bool KeepStep(JobRecord job, Protocol.V1.JobProgress progress, DateTimeOffset now)
    {
        if (progress.Kind != "step") return true;
        if (now - job.LastStepEvent < StepEventInterval && progress.Step < progress.TotalSteps) return false;
        job.LastStepEvent = now;
        return true;
    }

    /// <summary>The least time between two step events kept in a job's log.</summary>
    public static readonly TimeSpan StepEventInterval = TimeSpan.FromSeconds(1);

    private void Pump(JobRecord job, string stage, EventTail? tail)
    {
        if (tail is null) return;
        var (start, width) = JobStages.Span(job.Status.Kind, stage);
        double? fraction = null;
        foreach (var (line, text) in tail.ReadNew())
        {
            Protocol.V1.JobProgress progress;
            try
            {
                progress = StageEvents.ToProgress(stage, text);
            }
            catch (JsonException e)
            {
                logger.LogWarning("job {Job}: unreadable {Stage} event line {Line}: {Reason}", job.Id, stage, line, e.Message);
                continue;
            }
            progress.Fraction = start + width * RunProgress.Fraction(progress.ElapsedSeconds, progress.EtaSeconds, progress.Step, progress.TotalSteps);
            fraction = progress.Fraction;
            if (!KeepStep(job, progress, DateTimeOffset.UtcNow)) continue;
            store.Append(job, e => e.Progress = progress, stage, line);
        }
        if (fraction is { } f) store.Update(job, s => s with { Progress = f });
    }
}
