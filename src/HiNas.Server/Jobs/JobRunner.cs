using System.Text.Json;
using System.Threading.Channels;
using HiNas.Inference.Packages;
using HiNas.Inference.Repository;
using HiNas.Protocol.V1;
using HiNas.Server.Hosting;
using HiNas.Server.Observability;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using JobState = HiNas.Protocol.V1.JobState;
using HiNas.Nas.Genotypes;
using HiNas.Nas.Runs;
using HiNas.Nas.Settings;

namespace HiNas.Server.Jobs;

/// <summary>A stage that ended without success; the message becomes the job's error.</summary>
public sealed class JobFailedException(string message) : Exception(message);

/// <summary>
/// Runs queued jobs one at a time (one device) on a background worker. Each stage is a `hinas` worker process
/// (search, train, export) whose run folder lives in the job folder; its events.jsonl is tailed into the job's
/// event log. Jobs left queued or running by an earlier server are resumed on start — a stage with a run folder
/// continues from its newest checkpoint. Stopping the server stops the worker but leaves the job running on disk.
/// </summary>
public sealed class JobRunner : BackgroundService
{
    public const string SearchOptionsFile = "search-options.json";
    public const string TrainOptionsFile = "train-options.json";

    private readonly Channel<string> _queue = Channel.CreateUnbounded<string>();
    private readonly JobStore _store;
    private readonly JobRequests _requests;
    private readonly ModelRepository _repository;
    private readonly ServerOptions _options;
    private readonly ServerMetrics _metrics;
    private readonly ILogger<JobRunner> _logger;

    public JobRunner(JobStore store, JobRequests requests, ModelRepository repository, IOptions<ServerOptions> options, ServerMetrics metrics, ILogger<JobRunner> logger)
    {
        _store = store;
        _requests = requests;
        _repository = repository;
        _options = options.Value;
        _metrics = metrics;
        _logger = logger;
        WorkerPath = WorkerLocation.Resolve(_options.Jobs.WorkerPath);
        UpdateStateGauge();
    }

    public string WorkerPath { get; }

    /// <summary>Queues a new job (announced by a "queued" event).</summary>
    public void Enqueue(JobRecord job)
    {
        _store.Append(job, e => e.Progress = new JobProgress { State = JobState.Queued, Kind = "queued", Message = "queued" });
        UpdateStateGauge();
        _queue.Writer.TryWrite(job.Id);
    }

    /// <summary>Cancels a queued job at once, or stops a running one (its worker is killed).</summary>
    public JobStatus Cancel(JobRecord job)
    {
        JobStatus status;
        lock (job)
        {
            status = _store.Update(job, s => s.IsFinal ? s : s with { CancelRequested = true });
            if (status.IsFinal) return status;
            if (status.State == JobState.Queued) return Finish(job, JobState.Cancelled, "cancelled before it started");
        }
        job.Cancellation?.Cancel();
        return job.Status;
    }

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        if (!_options.Jobs.Enabled)
        {
            _logger.LogWarning("job runner disabled (HiNas:Jobs:Enabled = false): jobs are accepted but not run");
            return;
        }
        foreach (var job in _store.All.Where(j => !j.Status.IsFinal))
        {
            _logger.LogInformation("job {Job} was {State} when the server stopped: resuming it", job.Id, job.Status.State);
            _queue.Writer.TryWrite(job.Id);
        }
        await Task.Yield();
        try
        {
            await foreach (var id in _queue.Reader.ReadAllAsync(stopping))
            {
                if (_store.Find(id) is not { } job || job.Status.IsFinal) continue;
                await RunAsync(job, stopping);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // server stopping
        }
    }

    private async Task RunAsync(JobRecord job, CancellationToken stopping)
    {
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        job.Cancellation = cancellation;
        try
        {
            if (job.Status.CancelRequested)
            {
                Finish(job, JobState.Cancelled, "cancelled");
                return;
            }
            if (job.Status.WorkerPid is { } orphan) WorkerProcess.StopOrphan(orphan, job.Folder);
            var resumed = job.Status.State == JobState.Running;
            var status = _store.Update(job, s => s with { State = JobState.Running, Started = s.Started ?? DateTimeOffset.UtcNow });
            UpdateStateGauge();
            _store.Append(job, e => e.Progress = new JobProgress
            {
                State = JobState.Running, Stage = status.Stage, Kind = resumed ? "resumed" : "started", Fraction = status.Progress,
                Message = resumed ? $"resumed after a server restart (stage {status.Stage})" : "started",
            });
            _logger.LogInformation("job {Job} ({Kind}, {Task}) {Action}", job.Id, status.Kind, status.Task, resumed ? "resumed" : "started");

            var stages = status.Stages;
            var first = Math.Max(0, stages.ToList().IndexOf(status.Stage));
            foreach (var stage in stages.Skip(first))
            {
                cancellation.Token.ThrowIfCancellationRequested();
                var (start, _) = JobStages.Span(status.Kind, stage);
                if (job.Status.Stage != stage)
                {
                    _store.Update(job, s => s with { Stage = stage, Progress = Math.Max(s.Progress, start) });
                    _store.Append(job, e => e.Progress = new JobProgress { State = JobState.Running, Stage = stage, Kind = "stage", Fraction = start, Message = $"{stage} started" });
                }
                await RunStageAsync(job, stage, cancellation.Token);
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
            // whatever else went wrong fails this job only: the runner (and the server) go on
            _logger.LogError(e, "job {Job} failed", job.Id);
            Finish(job, JobState.Failed, e is Grpc.Core.RpcException rpc ? rpc.Status.Detail : e.Message);
        }
        finally
        {
            job.Cancellation = null;
        }
    }

    private async Task RunStageAsync(JobRecord job, string stage, CancellationToken cancellation)
    {
        var folder = job.Folder;
        switch (stage)
        {
            case JobStages.Profile:
            {
                var options = SearchOptionsJson.Load(Path.Combine(folder, SearchOptionsFile));
                var t = options.Supernet.Task;
                var taskArgs = t.Kind == Imaging.Tasks.RestorationKind.Denoise
                    ? new[] { "--task", "denoise", "--sigma", t.Sigma.ToString(System.Globalization.CultureInfo.InvariantCulture) }
                    : new[] { "--task", "sr", "--scale", t.Scale.ToString(System.Globalization.CultureInfo.InvariantCulture) };
                var n = options.Supernet;
                var args = new[] { "profile-latency" }.Concat(taskArgs).Concat(new[]
                {
                    "--channels", $"{t.Channels}", "--layers", $"{n.Layers}", "--blocks", $"{n.Blocks}", "--filters", $"{n.Filters}", "--stem-channels", $"{n.StemChannels}",
                    "--resolution", job.Status.LatencyResolution!, "--out", options.Latency!.TablePath, "--json",
                }).ToArray();
                await RunWorkerAsync(job, stage, args, null, cancellation);
                _store.Append(job, e => e.Progress = new JobProgress { State = JobState.Running, Stage = stage, Kind = "profiled", Message = $"latency table for {job.Status.LatencyResolution} written" });
                break;
            }
            case JobStages.Search:
            {
                var runDir = Path.Combine(folder, "search");
                var args = File.Exists(Path.Combine(runDir, SearchRun.OptionsFile))
                    ? new[] { "search", "--resume", runDir, "--json" }
                    : new[] { "search", "--options-file", Path.Combine(folder, SearchOptionsFile), "--out", runDir, "--json" };
                await RunWorkerAsync(job, stage, args, Path.Combine(runDir, SearchRun.EventsFile), cancellation);
                var genotype = File.ReadAllText(Path.Combine(runDir, SearchRun.GenotypeFile));
                _store.Update(job, s => s with { GenotypeJson = genotype });
                if (File.Exists(Path.Combine(runDir, HiNas.Nas.Latency.BudgetReport.FileName)))
                {
                    var report = RunFiles.ReadJson<HiNas.Nas.Latency.BudgetReport>(Path.Combine(runDir, HiNas.Nas.Latency.BudgetReport.FileName));
                    var latency = report.MeasuredMs is { } measured ? $"measured at {measured:F1} ms (predicted {report.PredictedMs:F1})" : $"predicted at {report.PredictedMs:F1} ms";
                    var closest = report.WithinBudgetMeasuredMs ?? report.WithinBudgetPredictedMs;
                    var message = report.MeetsBudget
                        ? $"the found network is {latency}, within the {report.BudgetMs:F1} ms budget"
                        : report.WithinBudgetGenotype is null
                            ? $"the found network is {latency}, over the {report.BudgetMs:F1} ms budget, and no variant of it fits"
                            : $"the found network is {latency}, over the {report.BudgetMs:F1} ms budget; the closest within it ({closest:F1} ms, {report.OperationsReplaced} operation(s) made skip connections) is used";
                    _store.Append(job, e => e.Progress = new JobProgress { State = JobState.Running, Stage = stage, Kind = "budget", Fraction = job.Status.Progress, Message = message });
                }
                break;
            }
            case JobStages.Train:
            {
                var optionsPath = Path.Combine(folder, TrainOptionsFile);
                if (!File.Exists(optionsPath)) WriteTrainOptionsAfterSearch(job, optionsPath);
                var trainDir = Path.Combine(folder, "train");
                var args = File.Exists(Path.Combine(trainDir, TrainRun.OptionsFile))
                    ? new[] { "train", "--resume", trainDir, "--json" }
                    : new[] { "train", "--options-file", optionsPath, "--out", trainDir, "--json" };
                await RunWorkerAsync(job, stage, args, Path.Combine(trainDir, TrainRun.EventsFile), cancellation);
                var summary = RunFiles.ReadJson<TrainSummary>(Path.Combine(trainDir, TrainRun.SummaryFile));
                var trained = TrainOptionsJson.Load(Path.Combine(trainDir, TrainRun.OptionsFile));
                _store.Update(job, s => s with
                {
                    BestValidationPsnr = summary.BestValidationPsnr,
                    GenotypeJson = trained.Architecture.Genotype is { } g ? GenotypeJson.Serialize(g) : s.GenotypeJson,
                });
                break;
            }
            case JobStages.Export:
            {
                var modelId = job.Status.ModelId ?? throw new InvalidOperationException("a training job without a model id");
                var target = Path.Combine(_repository.Folder, modelId);
                if (!AlreadyPublished(job, target))
                {
                    var args = new List<string> { "export", "--checkpoint", Path.Combine(folder, "train"), "--out", target, "--id", modelId, "--json" };
                    if (job.Status.LatencyResolution is { } size)
                        args.AddRange(new[] { "--measure-latency", size, "--budget-ms", job.Status.BudgetMs!.Value.ToString("R", System.Globalization.CultureInfo.InvariantCulture) });
                    await RunWorkerAsync(job, stage, args, null, cancellation);
                }
                _repository.Refresh();
                _store.Update(job, s => s with { ModelPublished = true });
                _store.Append(job, e => e.Progress = new JobProgress { State = JobState.Running, Stage = stage, Kind = "published", Fraction = 1, Message = $"model '{modelId}' published to {target}" });
                break;
            }
        }
    }

    /// <summary>A package at the target that this job published before the server stopped (newer than the job's start and with its id).</summary>
    private static bool AlreadyPublished(JobRecord job, string target)
    {
        if (!Directory.Exists(target)) return false;
        ModelPackage package;
        try
        {
            package = ModelPackage.Load(target);
        }
        catch (ModelPackageException)
        {
            throw new JobFailedException($"export: '{target}' exists and is not a valid package; the model id '{job.Status.ModelId}' cannot be published");
        }
        if (package.Id == job.Status.ModelId && job.Status.Started is { } started && package.Manifest.Created >= started) return true;
        throw new JobFailedException($"export: a model '{package.Id}' already exists at '{target}'; it is not replaced");
    }

    /// <summary>Search-then-train: the training options, from the request and the genotype the search found.</summary>
    private void WriteTrainOptionsAfterSearch(JobRecord job, string optionsPath)
    {
        var request = JobStore.ReadRequest<StartTrainingRequest>(job);
        var task = JobRequests.ResolveTask(request.Task);
        // a budgeted search whose derivation missed the budget offers the closest network within it: train that one
        var withinBudget = Path.Combine(job.Folder, "search", HiNas.Nas.Latency.BudgetReport.WithinBudgetFile);
        var genotype = GenotypeJson.Load(File.Exists(withinBudget) ? withinBudget : Path.Combine(job.Folder, "search", SearchRun.GenotypeFile));
        var options = _requests.ResolveTrain(task, ArchitectureSpec.FromGenotype(genotype), request.Train, "train");
        TrainOptionsJson.Save(options, optionsPath);
    }

    private async Task RunWorkerAsync(JobRecord job, string stage, IReadOnlyList<string> args, string? eventsPath, CancellationToken cancellation)
    {
        var tail = eventsPath is null ? null : new EventTail(eventsPath, JobStore.ConsumedLines(job, stage));
        using var worker = WorkerProcess.Start(WorkerPath, args, Path.Combine(job.Folder, JobStore.WorkerLogFile));
        _store.Update(job, s => s with { WorkerPid = worker.Pid });
        var exit = worker.WaitAsync(cancellation);
        while (!exit.IsCompleted)
        {
            await Task.WhenAny(exit, Task.Delay(250, CancellationToken.None));
            Pump(job, stage, tail);
        }
        var code = await exit;
        Pump(job, stage, tail);
        _store.Update(job, s => s with { WorkerPid = null });
        if (code != 0) throw new JobFailedException($"{stage}: {worker.LastError ?? $"the worker exited with code {code}"}");
    }

    private void Pump(JobRecord job, string stage, EventTail? tail)
    {
        if (tail is null) return;
        var kind = job.Status.Kind;
        var (start, width) = JobStages.Span(kind, stage);
        double? fraction = null;
        foreach (var (line, text) in tail.ReadNew())
        {
            JobProgress progress;
            try
            {
                progress = StageEvents.ToProgress(stage, text);
            }
            catch (JsonException e)
            {
                _logger.LogWarning("job {Job}: unreadable {Stage} event line {Line}: {Reason}", job.Id, stage, line, e.Message);
                continue;
            }
            progress.Fraction = start + width * (progress.TotalSteps > 0 ? (double)progress.Step / progress.TotalSteps : 0);
            fraction = progress.Fraction;
            _store.Append(job, e => e.Progress = progress, stage, line);
        }
        if (fraction is { } f) _store.Update(job, s => s with { Progress = f });
    }

    private JobStatus Finish(JobRecord job, JobState state, string? error)
    {
        var status = _store.Update(job, s => s with
        {
            State = state, Error = error is null || state == JobState.Succeeded ? null : error, Finished = DateTimeOffset.UtcNow, WorkerPid = null,
            Progress = state == JobState.Succeeded ? 1 : s.Progress,
        });
        var result = new JobResult { State = state, Error = status.Error ?? "", GenotypeJson = status.GenotypeJson ?? "", ModelId = status.ModelPublished ? status.ModelId : "" };
        if (status.BestValidationPsnr is { } psnr) result.BestValidationPsnr = psnr;
        _store.Append(job, e => e.Result = result);
        _metrics.JobsFinished.WithLabels(state.ToString()).Inc();
        UpdateStateGauge();
        _logger.LogInformation("job {Job} {State}{Error}", job.Id, state, status.Error is null ? "" : $": {status.Error}");
        return status;
    }

    private void UpdateStateGauge()
    {
        var counts = _store.All.GroupBy(j => j.Status.State).ToDictionary(g => g.Key, g => g.Count());
        foreach (var state in Enum.GetValues<JobState>().Where(s => s != JobState.Unspecified))
            _metrics.JobStates.WithLabels(state.ToString()).Set(counts.GetValueOrDefault(state));
    }
}
