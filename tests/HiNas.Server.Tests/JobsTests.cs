using Grpc.Core;
using HiNas.Protocol.V1;

namespace HiNas.Server.Tests;

public sealed class JobsTests
{
    /// <summary>A search small enough for seconds: L1 B2 F4, a few steps on small dead-leaves images.</summary>
    internal static SearchSettings TinySearch(uint epochs = 2, uint steps = 3) => new()
    {
        Layers = 1, Blocks = 2, Filters = 4, StemChannels = 8, Epochs = epochs, Warmup = 1, StepsPerEpoch = steps,
        Batch = 2, Crop = 32, Data = "deadleaves:8x48",
    };

    internal static TrainSettings TinyTrain() => new() { Iterations = 20, Batch = 2, Crop = 32, ValidateEvery = 10, Data = "deadleaves:8x48" };

    internal static TaskSpec Denoise => new() { Kind = "denoise", Sigma = 25, Channels = 3 };

    /// <summary>Every event until the job's result (or the timeout).</summary>
    internal static async Task<List<JobEvent>> WatchToEnd(Protocol.V1.Jobs.JobsClient jobs, string id, TimeSpan timeout, long from = 0)
    {
        using var cts = new CancellationTokenSource(timeout);
        var events = new List<JobEvent>();
        using var call = jobs.WatchJob(new WatchJobRequest { JobId = id, FromIndex = from }, TestServerHost.Auth(), cancellationToken: cts.Token);
        await foreach (var e in call.ResponseStream.ReadAllAsync(cts.Token)) events.Add(e);
        return events;
    }

    internal static async Task<JobEvent> WaitFor(Protocol.V1.Jobs.JobsClient jobs, string id, Func<JobEvent, bool> predicate, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        using var call = jobs.WatchJob(new WatchJobRequest { JobId = id }, TestServerHost.Auth(), cancellationToken: cts.Token);
        await foreach (var e in call.ResponseStream.ReadAllAsync(cts.Token))
            if (predicate(e)) return e;
        throw new InvalidOperationException($"job {id} ended without the awaited event");
    }

    [Fact]
    public async Task SearchThenTrain_RunsToCompletion_WithProgress_AndItsModelIsServed()
    {
        await using var host = await TestServerHost.StartAsync();
        var job = await host.Jobs.StartTrainingAsync(new StartTrainingRequest
        {
            Task = Denoise, SearchFirst = TinySearch(), Train = TinyTrain(), ModelId = "tiny-found",
        }, TestServerHost.Auth());
        Assert.Equal(JobKind.SearchThenTrain, job.Kind);

        var events = await WatchToEnd(host.Jobs, job.Id, TimeSpan.FromMinutes(4));
        var result = events[^1];
        Assert.Equal(JobEvent.EventOneofCase.Result, result.EventCase);
        Assert.True(result.Result.State == JobState.Succeeded, result.Result.Error);
        Assert.Equal("tiny-found", result.Result.ModelId);
        Assert.Contains("\"cells\"", result.Result.GenotypeJson);
        Assert.Equal(Enumerable.Range(0, events.Count).Select(i => (long)i), events.Select(e => e.Index));
        var progress = events.Where(e => e.EventCase == JobEvent.EventOneofCase.Progress).Select(e => e.Progress).ToArray();
        Assert.Contains(progress, p => p.Stage == "search" && p.Kind == "step");
        Assert.Contains(progress, p => p.Stage == "train" && p.Kind == "validation" && p.HasValidationPsnr);
        Assert.Contains(progress, p => p.Kind == "published");
        var fractions = progress.Where(p => p.Kind == "step").Select(p => p.Fraction).ToArray();
        Assert.True(fractions.First() < 0.5 && fractions.Last() > 0.5, "progress spans the search and the training");

        var models = await host.Restoration.ListModelsAsync(new ListModelsRequest());
        var model = Assert.Single(models.Models, m => m.Id == "tiny-found");
        Assert.Equal("denoise", model.Task);
        var restored = await host.Restoration.RestoreAsync(new RestoreRequest
        {
            ModelId = "tiny-found",
            Frame = new RawFrame { Width = 16, Height = 16, Stride = 64, Format = PixelFormat.Rgba8, Pixels = Google.Protobuf.ByteString.CopyFrom(TestFrames.Rgba(16, 16, 64, 2)) },
        });
        Assert.Equal(1024, restored.Frame.Pixels.Length);

        var finished = await host.Jobs.GetJobAsync(new GetJobRequest { JobId = job.Id }, TestServerHost.Auth());
        Assert.Equal(JobState.Succeeded, finished.State);
        Assert.Equal(1.0, finished.Progress);
        Assert.True(finished.HasBestValidationPsnr);

        // a late watcher gets the whole history replayed, from any index
        var replay = await WatchToEnd(host.Jobs, job.Id, TimeSpan.FromSeconds(20), from: 3);
        Assert.Equal(events.Skip(3).Select(e => e.Index), replay.Select(e => e.Index));
    }

    [Fact]
    public async Task BudgetedSearchThenTrain_ProfilesTheServer_AndTheModelRecordsBudgetAndMeasuredLatency()
    {
        await using var host = await TestServerHost.StartAsync();
        var search = TinySearch();
        search.BudgetMs = 500;
        search.Resolution = "64x48";
        var job = await host.Jobs.StartTrainingAsync(new StartTrainingRequest { Task = Denoise, SearchFirst = search, Train = TinyTrain(), ModelId = "tiny-budgeted" }, TestServerHost.Auth());
        var events = await WatchToEnd(host.Jobs, job.Id, TimeSpan.FromMinutes(4));
        Assert.True(events[^1].Result.State == JobState.Succeeded, events[^1].Result.Error);
        var progress = events.Where(e => e.Progress is not null).Select(e => e.Progress).ToArray();
        Assert.Contains(progress, p => p.Kind == "profiled" && p.Stage == "profile");
        Assert.Contains(progress, p => p.Kind == "budget" && p.Message.Contains("within the 500.0 ms budget"));
        Assert.True(File.Exists(Path.Combine(host.StateFolder, "jobs", job.Id, "latency-table.json")));

        var model = await host.Restoration.GetModelAsync(new GetModelRequest { ModelId = "tiny-budgeted" });
        Assert.Equal(500, model.LatencyBudgetMs);
        Assert.True(model.MeasuredLatencyMs > 0 && model.MeasuredLatencyMs < 500);
        Assert.Equal("64x48", model.LatencyResolution);
    }

    [Fact]
    public async Task AnInt8BudgetedSearchThenTrain_ProfilesInInt8_AndPublishesAnInt8PackageThatServes()
    {
        await using var host = await TestServerHost.StartAsync();
        var search = TinySearch();
        search.BudgetMs = 500;
        search.Resolution = "64x48"; // latency_precision unset: the package's
        var job = await host.Jobs.StartTrainingAsync(new StartTrainingRequest
        {
            Task = Denoise, SearchFirst = search, Train = TinyTrain(), ModelId = "tiny-int8",
            Export = new ExportSettings { Precision = "int8", Int8TuningSteps = 4, Int8ToleranceDb = 100 },
        }, TestServerHost.Auth());
        var events = await WatchToEnd(host.Jobs, job.Id, TimeSpan.FromMinutes(5));
        Assert.True(events[^1].Result.State == JobState.Succeeded, events[^1].Result.Error);
        var table = HiNas.Nas.Latency.LatencyTable.Load(Path.Combine(host.StateFolder, "jobs", job.Id, "latency-table.json"));
        Assert.Equal("int8", table.Precision);
        Assert.Contains(events, e => e.Progress?.Kind == "budget" && e.Progress.Message.Contains("in int8") && e.Progress.Message.Contains("within the 500.0 ms budget"));

        var model = await host.Restoration.GetModelAsync(new GetModelRequest { ModelId = "tiny-int8" });
        Assert.Equal("int8", model.Precision);
        Assert.True(model.Metrics.ContainsKey("int8_validation_psnr"), string.Join(", ", model.Metrics.Keys));
        Assert.Equal(500, model.LatencyBudgetMs);
        var restored = await host.Restoration.RestoreAsync(new RestoreRequest
        {
            ModelId = "tiny-int8",
            Frame = new RawFrame { Width = 16, Height = 16, Stride = 64, Format = PixelFormat.Rgba8, Pixels = Google.Protobuf.ByteString.CopyFrom(TestFrames.Rgba(16, 16, 64, 2)) },
        });
        Assert.Equal(1024, restored.Frame.Pixels.Length);
        // the float defaults say so too
        Assert.Equal("float32", (await host.Restoration.GetModelAsync(new GetModelRequest { ModelId = "denoise-rgb" })).Precision);
    }

    [Fact]
    public async Task AnInt8PackageFurtherFromFloatThanTheTolerance_FailsTheJobNamingBothFigures_AndPublishesNothing()
    {
        await using var host = await TestServerHost.StartAsync();
        var job = await host.Jobs.StartTrainingAsync(new StartTrainingRequest
        {
            // at σ 2 the float network scores about 42 dB, where int8's rounding costs a clear fraction of a decibel (at σ 25
            // a barely trained network's 21 dB may come out either side of it by hundredths)
            Task = new TaskSpec { Kind = "denoise", Sigma = 2, Channels = 3 }, Baseline = "dncnn", BaselineDepth = 3, BaselineWidth = 8, Train = TinyTrain(), ModelId = "tiny-int8-refused",
            Export = new ExportSettings { Precision = "int8", Int8TuningSteps = 0, Int8ToleranceDb = 0 },
        }, TestServerHost.Auth());
        var events = await WatchToEnd(host.Jobs, job.Id, TimeSpan.FromMinutes(4));
        Assert.Equal(JobState.Failed, events[^1].Result.State);
        var error = events[^1].Result.Error;
        Assert.True(error.Contains("the int8 graph scores") && error.Contains("dB under the float graph's") && error.Contains("tolerance 0 dB"), error);
        Assert.DoesNotContain((await host.Restoration.ListModelsAsync(new ListModelsRequest())).Models, m => m.Id == "tiny-int8-refused");
        Assert.False(Directory.Exists(Path.Combine(host.StateFolder, "models", "tiny-int8-refused")));
    }

    [Fact]
    public async Task ABudgetUnderTheServersFloor_FailsTheJobNamingTheBudget_AndTheServerKeepsServing()
    {
        await using var host = await TestServerHost.StartAsync();
        var search = TinySearch();
        search.BudgetMs = 0.001; // no network of the space runs in a microsecond
        search.Resolution = "64x48";
        var job = await host.Jobs.StartSearchAsync(new StartSearchRequest { Task = Denoise, Search = search }, TestServerHost.Auth());
        var events = await WatchToEnd(host.Jobs, job.Id, TimeSpan.FromMinutes(2));
        Assert.Equal(JobState.Failed, events[^1].Result.State);
        var error = events[^1].Result.Error;
        Assert.True(error.Contains("budget of 0.001 ms is below the cheapest network of this search space"), error); // the whole error when not
        Assert.DoesNotContain(events, e => e.Progress?.Kind == "step"); // refused before searching

        // the server goes on: the same search with a budget it can meet is accepted and runs
        search.BudgetMs = 500;
        var next = await host.Jobs.StartSearchAsync(new StartSearchRequest { Task = Denoise, Search = search }, TestServerHost.Auth());
        var nextEvents = await WatchToEnd(host.Jobs, next.Id, TimeSpan.FromMinutes(4));
        Assert.True(nextEvents[^1].Result.State == JobState.Succeeded, nextEvents[^1].Result.Error);
    }

    /// <summary>A job's budget band reaches the search as `hinas search --budget-band` gives it (the worker is not run here).</summary>
    [Fact]
    public async Task ABudgetBand_IsPartOfTheJobsSearchOptions()
    {
        await using var host = await TestServerHost.StartAsync(settings: new Dictionary<string, string?> { ["HiNas:Jobs:Enabled"] = "false" });
        var search = new SearchSettings { SupernetTraining = "single-path", BudgetMs = 30, BudgetBand = 0.9, Resolution = "64x48" };
        var job = await host.Jobs.StartSearchAsync(new StartSearchRequest { Task = Denoise, Search = search }, TestServerHost.Auth());
        var options = await File.ReadAllTextAsync(Path.Combine(host.StateFolder, "jobs", job.Id, HiNas.Server.Jobs.JobFiles.SearchOptionsFile));
        Assert.Contains("\"budget_band\": 0.9", options);
        Assert.Contains("\"budget_ms\": 30", options);
    }

    [Fact]
    public async Task AWorkerKilledByASignal_IsRestartedOnceFromItsCheckpoints_ASecondKillFailsTheJobNamingTheSignal()
    {
        await using var host = await TestServerHost.StartAsync();
        var once = await host.Jobs.StartSearchAsync(new StartSearchRequest { Task = Denoise, Search = TinySearch(epochs: 3, steps: 20) }, TestServerHost.Auth());
        await WaitFor(host.Jobs, once.Id, e => e.Progress?.Kind == "step", TimeSpan.FromMinutes(1));
        KillWorker(WorkerOf(host, once.Id));
        var events = await WatchToEnd(host.Jobs, once.Id, TimeSpan.FromMinutes(3));
        Assert.True(events[^1].Result.State == JobState.Succeeded, events[^1].Result.Error);
        var restarted = Assert.Single(events, e => e.Progress?.Kind == "restarted");
        Assert.Equal("search", restarted.Progress.Stage);
        Assert.Contains("was killed by signal 9 (SIGKILL); restarted from the stage's checkpoints", restarted.Progress.Message);

        var twice = await host.Jobs.StartSearchAsync(new StartSearchRequest { Task = Denoise, Search = TinySearch(epochs: 3, steps: 20) }, TestServerHost.Auth());
        await WaitFor(host.Jobs, twice.Id, e => e.Progress?.Kind == "step", TimeSpan.FromMinutes(1));
        var first = WorkerOf(host, twice.Id);
        KillWorker(first);
        await WaitFor(host.Jobs, twice.Id, e => e.Progress?.Kind == "restarted", TimeSpan.FromMinutes(1));
        int second;
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while ((second = WorkerOf(host, twice.Id, allowNone: true)) is 0 || second == first)
        {
            Assert.True(DateTime.UtcNow < deadline, "the crashed worker was not started again");
            await Task.Delay(50);
        }
        KillWorker(second);
        var failed = await WatchToEnd(host.Jobs, twice.Id, TimeSpan.FromMinutes(2));
        Assert.Equal(JobState.Failed, failed[^1].Result.State);
        Assert.StartsWith("search: the worker was killed by signal 9 (SIGKILL) without a result (see worker.log)", failed[^1].Result.Error);
    }

    [Fact]
    public async Task AWorkerStoppedByAPerson_IsNotRestarted_TheJobFails()
    {
        await using var host = await TestServerHost.StartAsync();
        var job = await host.Jobs.StartSearchAsync(new StartSearchRequest { Task = Denoise, Search = TinySearch(epochs: 50, steps: 20) }, TestServerHost.Auth());
        await WaitFor(host.Jobs, job.Id, e => e.Progress?.Kind == "step", TimeSpan.FromMinutes(1));
        Assert.Equal(0, kill(WorkerOf(host, job.Id), 15)); // SIGTERM: a person, or the service manager stopping everything
        var events = await WatchToEnd(host.Jobs, job.Id, TimeSpan.FromMinutes(2));
        Assert.Equal(JobState.Failed, events[^1].Result.State);
        Assert.DoesNotContain(events, e => e.Progress?.Kind == "restarted");
        Assert.StartsWith("search: the worker ", events[^1].Result.Error);
    }

    /// <summary>The pid of the job's running `hinas run` worker (the process whose command line names the job's folder).</summary>
    private static int WorkerOf(TestServerHost host, string jobId, bool allowNone = false)
    {
        var folder = Path.Combine(host.StateFolder, "jobs", jobId);
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (cmdline.Contains(" run ", StringComparison.Ordinal) && cmdline.Contains(folder, StringComparison.Ordinal)) return pid;
            }
            catch (IOException)
            {
                // the process ended while listed
            }
        }
        return allowNone ? 0 : throw new InvalidOperationException($"no worker of job {jobId} is running");
    }

    /// <summary>
    /// Kills a worker as the out-of-memory killer would (SIGKILL). A native fault inside it (SIGSEGV) ends it the same
    /// way, but cannot be sent: the .NET runtime ignores a SIGSEGV, SIGBUS or SIGABRT sent from outside.
    /// </summary>
    private static void KillWorker(int pid) => Assert.Equal(0, kill(pid, 9));

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    [Fact]
    public async Task CancelledJob_StopsWithinSeconds()
    {
        await using var host = await TestServerHost.StartAsync();
        var job = await host.Jobs.StartSearchAsync(new StartSearchRequest { Task = Denoise, Search = TinySearch(epochs: 500, steps: 50) }, TestServerHost.Auth());
        await WaitFor(host.Jobs, job.Id, e => e.Progress?.Kind == "step", TimeSpan.FromMinutes(1));

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await host.Jobs.CancelJobAsync(new CancelJobRequest { JobId = job.Id }, TestServerHost.Auth());
        var events = await WatchToEnd(host.Jobs, job.Id, TimeSpan.FromSeconds(30));
        Assert.Equal(JobState.Cancelled, events[^1].Result.State);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"cancellation took {clock.Elapsed}");
        var again = await Assert.ThrowsAsync<RpcException>(async () => await host.Jobs.CancelJobAsync(new CancelJobRequest { JobId = job.Id }, TestServerHost.Auth()));
        Assert.Equal(StatusCode.FailedPrecondition, again.StatusCode);
    }

    [Fact]
    public async Task CancelRightAfterStart_NeverRunsAJobCancelledWhileQueued()
    {
        await using var host = await TestServerHost.StartAsync();
        for (var i = 0; i < 8; i++)
        {
            var job = await host.Jobs.StartSearchAsync(new StartSearchRequest { Task = Denoise, Search = TinySearch(epochs: 500, steps: 50) }, TestServerHost.Auth());
            var cancelled = await host.Jobs.CancelJobAsync(new CancelJobRequest { JobId = job.Id }, TestServerHost.Auth());
            var events = await WatchToEnd(host.Jobs, job.Id, TimeSpan.FromSeconds(30));
            Assert.Equal(JobState.Cancelled, events[^1].Result.State);
            Assert.Single(events, e => e.Result is not null);
            if (cancelled.State == JobState.Cancelled) // cancelled while queued: the queue's pick must not start it afterwards
            {
                Assert.DoesNotContain(events, e => e.Progress?.Kind is "started" or "stage" or "step");
                Assert.False(File.Exists(Path.Combine(host.StateFolder, "jobs", job.Id, "worker.log")), "a worker ran for a job cancelled while queued");
            }
        }
    }

    [Fact]
    public async Task AJobWhoseFilesCannotBeWritten_FailsAlone_AndTheNextJobRuns()
    {
        await using var host = await TestServerHost.StartAsync();
        var broken = await host.Jobs.StartSearchAsync(new StartSearchRequest { Task = Denoise, Search = TinySearch(epochs: 500, steps: 50) }, TestServerHost.Auth());
        var next = await host.Jobs.StartSearchAsync(new StartSearchRequest { Task = Denoise, Search = TinySearch() }, TestServerHost.Auth());
        await WaitFor(host.Jobs, broken.Id, e => e.Progress?.Kind == "step", TimeSpan.FromMinutes(1));

        // the disk refuses the job's files from now on (a folder where its event log and its state were: no write succeeds, even as root)
        var folder = Path.Combine(host.StateFolder, "jobs", broken.Id);
        foreach (var name in new[] { "events.jsonl", "job.json" })
        {
            File.Delete(Path.Combine(folder, name));
            Directory.CreateDirectory(Path.Combine(folder, name));
        }
        var failed = await WaitUntil(host, broken.Id, j => j.State is JobState.Failed or JobState.Succeeded, TimeSpan.FromSeconds(60));
        Assert.Equal(JobState.Failed, failed.State);
        Assert.Matches("the server could not read or write the job's files: .*'STATE/jobs/[0-9a-f-]+/(events.jsonl|job.json)'", failed.Error);

        var events = await WatchToEnd(host.Jobs, next.Id, TimeSpan.FromMinutes(2));
        Assert.True(events[^1].Result.State == JobState.Succeeded, events[^1].Result.Error);
        Assert.Equal("denoise-rgb", (await host.Restoration.GetModelAsync(new GetModelRequest { ModelId = "denoise-rgb" })).Id);
    }

    private static async Task<Job> WaitUntil(TestServerHost host, string id, Func<Job, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var job = await host.Jobs.GetJobAsync(new GetJobRequest { JobId = id }, TestServerHost.Auth());
            if (done(job) || DateTime.UtcNow > deadline) return job;
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task TheQueueIsBounded_AndJobsAreListedInPages()
    {
        await using var host = await TestServerHost.StartAsync(settings: new Dictionary<string, string?> { ["HiNas:Jobs:Enabled"] = "false", ["HiNas:Jobs:MaxQueued"] = "3" });
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
            ids.Add((await host.Jobs.StartSearchAsync(new StartSearchRequest { Task = Denoise, Search = TinySearch() }, TestServerHost.Auth())).Id);
        var full = await Assert.ThrowsAsync<RpcException>(async () => await host.Jobs.StartSearchAsync(new StartSearchRequest { Task = Denoise, Search = TinySearch() }, TestServerHost.Auth()));
        Assert.Equal(StatusCode.ResourceExhausted, full.StatusCode);
        Assert.StartsWith("jobs: the queue holds at most 3 waiting jobs (HiNas:Jobs:MaxQueued)", full.Status.Detail);
        await host.Jobs.CancelJobAsync(new CancelJobRequest { JobId = ids[0] }, TestServerHost.Auth());
        ids.Add((await host.Jobs.StartSearchAsync(new StartSearchRequest { Task = Denoise, Search = TinySearch() }, TestServerHost.Auth())).Id);

        var listed = new List<string>();
        var request = new ListJobsRequest { PageSize = 3 };
        var pages = 0;
        while (true)
        {
            var page = await host.Jobs.ListJobsAsync(request, TestServerHost.Auth());
            pages++;
            Assert.InRange(page.Jobs.Count, 1, 3);
            listed.AddRange(page.Jobs.Select(j => j.Id));
            if (page.NextPageToken.Length == 0) break;
            request = new ListJobsRequest { PageSize = 3, PageToken = page.NextPageToken };
        }
        Assert.Equal(2, pages);
        Assert.Equal(ids, listed); // in the order they were started
        foreach (var (bad, field) in new[] { (new ListJobsRequest { PageSize = 1001 }, "page_size"), (new ListJobsRequest { PageToken = "../x" }, "page_token"), (new ListJobsRequest { PageToken = "20200101-000000-abcdef" }, "page_token") })
        {
            var error = await Assert.ThrowsAsync<RpcException>(async () => await host.Jobs.ListJobsAsync(bad, TestServerHost.Auth()));
            Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
            Assert.StartsWith(field + ":", error.Status.Detail);
        }
    }

    [Fact]
    public async Task ServerRestartedWhileAJobRuns_ResumesIt()
    {
        var state = TestServerHost.TempFolder();
        string id;
        await using (var first = await TestServerHost.StartAsync(state))
        {
            var job = await first.Jobs.StartSearchAsync(new StartSearchRequest { Task = Denoise, Search = TinySearch(epochs: 3, steps: 6) }, TestServerHost.Auth());
            id = job.Id;
            // wait until the first epoch's checkpoint exists, then stop the server mid-search
            await WaitFor(first.Jobs, id, e => e.Progress?.Kind == "epoch", TimeSpan.FromMinutes(1));
        }
        await using var second = await TestServerHost.StartAsync(state);
        var events = await WatchToEnd(second.Jobs, id, TimeSpan.FromMinutes(2));
        Assert.Contains(events, e => e.Progress?.Kind == "resumed");
        Assert.True(events[^1].Result.State == JobState.Succeeded, events[^1].Result.Error);
        var log = await File.ReadAllTextAsync(Path.Combine(state, "jobs", id, "worker.log"));
        Assert.Contains("resuming the search in", log);
        // the resumed search continued from its checkpoint: epoch 1 was not searched again
        var epochs = events.Where(e => e.Progress?.Kind == "epoch").Select(e => e.Progress.Message).ToArray();
        Assert.Equal(epochs.Distinct().Count(), epochs.Length);
    }

    [Fact]
    public async Task JobsRpcs_RefuseAMissingOrWrongKey()
    {
        await using var host = await TestServerHost.StartAsync();
        var missing = await Assert.ThrowsAsync<RpcException>(async () => await host.Jobs.ListJobsAsync(new ListJobsRequest()));
        Assert.Equal(StatusCode.Unauthenticated, missing.StatusCode);
        var wrong = await Assert.ThrowsAsync<RpcException>(async () => await host.Jobs.StartSearchAsync(new StartSearchRequest { Task = Denoise }, TestServerHost.Auth("wrong-key-wrong-key")));
        Assert.Equal(StatusCode.Unauthenticated, wrong.StatusCode);
        var watch = host.Jobs.WatchJob(new WatchJobRequest { JobId = "x" });
        var streamed = await Assert.ThrowsAsync<RpcException>(async () => await watch.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.Unauthenticated, streamed.StatusCode);
        Assert.Empty((await host.Jobs.ListJobsAsync(new ListJobsRequest(), TestServerHost.Auth())).Jobs);
    }

    [Fact]
    public async Task DataPaths_OutsideTheRoots_AreRefused()
    {
        await using var host = await TestServerHost.StartAsync();
        var outside = TestServerHost.TempFolder();
        Directory.CreateSymbolicLink(Path.Combine(host.DataFolder, "escape"), outside);
        var inside = Directory.CreateDirectory(Path.Combine(host.DataFolder, "photos")).FullName;
        File.CreateSymbolicLink(Path.Combine(inside, "secret.png"), Path.Combine(outside, "secret.png"));

        foreach (var path in new[] { outside, "/etc", "../..", "escape", Path.Combine(host.DataFolder, "escape", "sub"), "photos", "deadleaves/../../.." })
        {
            var settings = TinySearch();
            settings.Data = path;
            var error = await Assert.ThrowsAsync<RpcException>(async () => await host.Jobs.StartSearchAsync(new StartSearchRequest { Task = Denoise, Search = settings }, TestServerHost.Auth()));
            Assert.True(error.StatusCode == StatusCode.PermissionDenied, $"{path}: {error.Status}");
            Assert.StartsWith("search.data:", error.Status.Detail);
        }
        var missing = TinySearch();
        missing.Data = "no-such-folder";
        var notFound = await Assert.ThrowsAsync<RpcException>(async () => await host.Jobs.StartSearchAsync(new StartSearchRequest { Task = Denoise, Search = missing }, TestServerHost.Auth()));
        Assert.Equal(StatusCode.NotFound, notFound.StatusCode);
        Assert.Empty((await host.Jobs.ListJobsAsync(new ListJobsRequest(), TestServerHost.Auth())).Jobs);
    }

    public static TheoryData<string, string> BadJobRequests => new()
    {
        { "no task", "task.kind" },
        { "unknown task", "task.kind" },
        { "sigma for sr", "task.sigma" },
        { "zero epochs", "search.epochs" },
        { "crop not a multiple of the scale", "search.crop" },
        { "unknown preset", "search.preset" },
        { "bad deadleaves", "search.data" },
        { "no architecture", "architecture" },
        { "unknown baseline", "baseline" },
        { "genotype of another task", "genotype_json" },
        { "broken genotype", "genotype_json" },
        { "bad schedule", "train.schedule" },
        { "bad model id", "model_id" },
        { "half a sigma range", "train.sigma_min/sigma_max" },
        { "negative budget", "search.budget_ms" },
        { "bad resolution", "search.resolution" },
        { "resolution without a budget", "search.budget_ms" },
        { "band without a budget", "search.budget_ms" },
        { "band of 1", "search.budget_band" },
        { "band for a mixture", "search.budget_band" },
        { "skip dropout of 1", "search.skip_dropout" },
        { "negative operation dropout", "search.operation_dropout" },
        { "unknown supernet training", "search.supernet_training" },
        { "single-path steps for a mixture", "search.single_path_steps_per_epoch" },
        { "pixel unshuffle of 3", "search.pixel_unshuffle" },
        { "odd resolution for the frame-time space", "search.resolution" },
        { "latency precision without a budget", "search.budget_ms" },
        { "unknown latency precision", "search.latency_precision" },
        { "unknown package precision", "export.precision" },
        { "int8 tuning for a float package", "export.precision" },
        { "negative int8 tolerance", "export.int8_tolerance_db" },
    };

    [Theory]
    [MemberData(nameof(BadJobRequests))]
    public async Task BadJobRequests_AreRefusedNamingTheField(string name, string field)
    {
        await using var host = await TestServerHost.StartAsync(settings: new Dictionary<string, string?> { ["HiNas:Jobs:Enabled"] = "false" });
        var auth = TestServerHost.Auth();
        var sr = new TaskSpec { Kind = "sr", Scale = 3 };
        var genotypeForSr = "{\"schema\":\"hinas.genotype/v1\"}";
        Task<Job> call = name switch
        {
            "no task" => host.Jobs.StartSearchAsync(new StartSearchRequest(), auth).ResponseAsync,
            "unknown task" => host.Jobs.StartSearchAsync(new StartSearchRequest { Task = new TaskSpec { Kind = "deblur" } }, auth).ResponseAsync,
            "sigma for sr" => host.Jobs.StartSearchAsync(new StartSearchRequest { Task = new TaskSpec { Kind = "sr", Sigma = 3 } }, auth).ResponseAsync,
            "zero epochs" => host.Jobs.StartSearchAsync(new StartSearchRequest { Task = Denoise, Search = new SearchSettings { Epochs = 0 } }, auth).ResponseAsync,
            "crop not a multiple of the scale" => host.Jobs.StartSearchAsync(new StartSearchRequest { Task = sr, Search = new SearchSettings { Crop = 32 } }, auth).ResponseAsync,
            "unknown preset" => host.Jobs.StartSearchAsync(new StartSearchRequest { Task = Denoise, Search = new SearchSettings { Preset = "fast" } }, auth).ResponseAsync,
            "bad deadleaves" => host.Jobs.StartSearchAsync(new StartSearchRequest { Task = Denoise, Search = new SearchSettings { Data = "deadleaves:1x1" } }, auth).ResponseAsync,
            "no architecture" => host.Jobs.StartTrainingAsync(new StartTrainingRequest { Task = Denoise }, auth).ResponseAsync,
            "unknown baseline" => host.Jobs.StartTrainingAsync(new StartTrainingRequest { Task = Denoise, Baseline = "resnet" }, auth).ResponseAsync,
            "genotype of another task" => host.Jobs.StartTrainingAsync(new StartTrainingRequest { Task = Denoise, GenotypeJson = await SrGenotype(host) }, auth).ResponseAsync,
            "broken genotype" => host.Jobs.StartTrainingAsync(new StartTrainingRequest { Task = Denoise, GenotypeJson = genotypeForSr }, auth).ResponseAsync,
            "bad schedule" => host.Jobs.StartTrainingAsync(new StartTrainingRequest { Task = Denoise, Baseline = "dncnn", Train = new TrainSettings { Schedule = "step" } }, auth).ResponseAsync,
            "bad model id" => host.Jobs.StartTrainingAsync(new StartTrainingRequest { Task = Denoise, Baseline = "dncnn", ModelId = "Bad Id!" }, auth).ResponseAsync,
            "negative budget" => host.Jobs.StartSearchAsync(new StartSearchRequest { Task = Denoise, Search = new SearchSettings { BudgetMs = -1 } }, auth).ResponseAsync,
            "bad resolution" => host.Jobs.StartSearchAsync(new StartSearchRequest { Task = Denoise, Search = new SearchSettings { BudgetMs = 10, Resolution = "big" } }, auth).ResponseAsync,
            "resolution without a budget" => host.Jobs.StartSearchAsync(new StartSearchRequest { Task = Denoise, Search = new SearchSettings { Resolution = "640x360" } }, auth).ResponseAsync,
            "band without a budget" => host.Jobs.StartSearchAsync(new StartSearchRequest { Task = Denoise, Search = new SearchSettings { SupernetTraining = "single-path", BudgetBand = 0.9 } }, auth).ResponseAsync,
            "band of 1" => host.Jobs.StartSearchAsync(new StartSearchRequest { Task = Denoise, Search = new SearchSettings { SupernetTraining = "single-path", BudgetMs = 30, BudgetBand = 1 } }, auth).ResponseAsync,
            "band for a mixture" => host.Jobs.StartSearchAsync(new StartSearchRequest { Task = Denoise, Search = new SearchSettings { BudgetMs = 30, BudgetBand = 0.9 } }, auth).ResponseAsync,
            "skip dropout of 1" => host.Jobs.StartSearchAsync(new StartSearchRequest { Task = Denoise, Search = new SearchSettings { SkipDropout = 1 } }, auth).ResponseAsync,
            "negative operation dropout" => host.Jobs.StartSearchAsync(new StartSearchRequest { Task = Denoise, Search = new SearchSettings { OperationDropout = -0.1 } }, auth).ResponseAsync,
            "unknown supernet training" => host.Jobs.StartSearchAsync(new StartSearchRequest { Task = Denoise, Search = new SearchSettings { SupernetTraining = "one-path" } }, auth).ResponseAsync,
            "single-path steps for a mixture" => host.Jobs.StartSearchAsync(new StartSearchRequest { Task = Denoise, Search = new SearchSettings { SinglePathStepsPerEpoch = 100 } }, auth).ResponseAsync,
            "pixel unshuffle of 3" => host.Jobs.StartSearchAsync(new StartSearchRequest { Task = Denoise, Search = new SearchSettings { PixelUnshuffle = 3 } }, auth).ResponseAsync,
            "odd resolution for the frame-time space" => host.Jobs.StartSearchAsync(new StartSearchRequest { Task = Denoise,
                Search = new SearchSettings { Preset = "frame-time-denoise", BudgetMs = 30, Resolution = "641x360" } }, auth).ResponseAsync,
            "latency precision without a budget" => host.Jobs.StartSearchAsync(new StartSearchRequest { Task = Denoise, Search = new SearchSettings { LatencyPrecision = "int8" } }, auth).ResponseAsync,
            "unknown latency precision" => host.Jobs.StartSearchAsync(new StartSearchRequest { Task = Denoise, Search = new SearchSettings { BudgetMs = 30, LatencyPrecision = "int4" } }, auth).ResponseAsync,
            "unknown package precision" => host.Jobs.StartTrainingAsync(new StartTrainingRequest { Task = Denoise, Baseline = "dncnn", Export = new ExportSettings { Precision = "fp16" } }, auth).ResponseAsync,
            "int8 tuning for a float package" => host.Jobs.StartTrainingAsync(new StartTrainingRequest { Task = Denoise, Baseline = "dncnn", Export = new ExportSettings { Int8TuningSteps = 10 } }, auth).ResponseAsync,
            "negative int8 tolerance" => host.Jobs.StartTrainingAsync(new StartTrainingRequest { Task = Denoise, Baseline = "dncnn",
                Export = new ExportSettings { Precision = "int8", Int8ToleranceDb = -1 } }, auth).ResponseAsync,
            "half a sigma range" => host.Jobs.StartTrainingAsync(new StartTrainingRequest { Task = Denoise, Baseline = "dncnn", Train = new TrainSettings { SigmaMin = 0 } }, auth).ResponseAsync,
            _ => throw new ArgumentException(name),
        };
        var error = await Assert.ThrowsAsync<RpcException>(() => call);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith(field + ":", error.Status.Detail);
        Assert.Empty((await host.Jobs.ListJobsAsync(new ListJobsRequest(), auth)).Jobs);
    }

    [Fact]
    public async Task ModelIdsAlreadyServed_AreRefused()
    {
        await using var host = await TestServerHost.StartAsync(settings: new Dictionary<string, string?> { ["HiNas:Jobs:Enabled"] = "false" });
        var error = await Assert.ThrowsAsync<RpcException>(async () => await host.Jobs.StartTrainingAsync(
            new StartTrainingRequest { Task = Denoise, Baseline = "dncnn", ModelId = "denoise-rgb" }, TestServerHost.Auth()));
        Assert.Equal(StatusCode.AlreadyExists, error.StatusCode);
        var first = await host.Jobs.StartTrainingAsync(new StartTrainingRequest { Task = Denoise, Baseline = "dncnn", ModelId = "mine" }, TestServerHost.Auth());
        Assert.Equal(JobState.Queued, first.State);
        var second = await Assert.ThrowsAsync<RpcException>(async () => await host.Jobs.StartTrainingAsync(
            new StartTrainingRequest { Task = Denoise, Baseline = "dncnn", ModelId = "mine" }, TestServerHost.Auth()));
        Assert.Equal(StatusCode.AlreadyExists, second.StatusCode);
        var cancelled = await host.Jobs.CancelJobAsync(new CancelJobRequest { JobId = first.Id }, TestServerHost.Auth());
        Assert.Equal(JobState.Cancelled, cancelled.State);
    }

    private static Task<string> SrGenotype(TestServerHost host)
    {
        var genotype = HiNas.Nas.Genotypes.RandomGenotype.Sample(new HiNas.Nas.Space.SearchSpace(Imaging.Tasks.RestorationTask.SuperResolution(2, 3), 1, 2, 4, HiNas.Nas.Space.SearchSpace.DefaultWidthFactors, 8), 1);
        return Task.FromResult(HiNas.Nas.Genotypes.GenotypeJson.Serialize(genotype));
    }
}
