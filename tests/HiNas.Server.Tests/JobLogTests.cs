using Grpc.Core;
using HiNas.Protocol.V1;
using HiNas.Server.Hosting;
using HiNas.Server.Jobs;
using HiNas.Server.Jobs.Stages;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace HiNas.Server.Tests;

/// <summary>A long job's log stays small (sampled steps, compacted older steps, stable indices), replays in pages, and finished jobs expire.</summary>
public sealed class JobLogTests
{
    private static JobStore Store(string state) =>
        new(Options.Create(new ServerOptions { StateFolder = state }), NullLogger<JobStore>.Instance);

    private static JobRecord NewJob(JobStore store) =>
        store.Create(JobStore.NewId(), JobKind.Search, "denoise", null, new StartSearchRequest());

    private static void Step(JobStore store, JobRecord job, int step, int total = 100_000) =>
        store.Append(job, e => e.Progress = new JobProgress { Kind = "step", Step = step, TotalSteps = total, State = JobState.Running }, JobStages.Search, step - 1);

    [Fact]
    public void ALongLog_KeepsItsMilestonesAndRecentSteps_WithStableIndices_OnDiskToo()
    {
        var state = TestServerHost.TempFolder();
        var store = Store(state);
        var job = NewJob(store);
        for (var i = 1; i <= 5000; i++)
        {
            Step(store, job, i);
            if (i % 500 == 0) store.Append(job, e => e.Progress = new JobProgress { Kind = "epoch", Step = i, State = JobState.Running });
        }
        Assert.Equal(5010, job.NextIndex);
        var kept = job.Events;
        Assert.InRange(kept.Count, JobRecord.MaxEvents / 2, JobRecord.MaxEvents);
        Assert.Equal(10, kept.Count(e => e.Event.Progress.Kind == "epoch")); // every milestone stays
        Assert.Equal(5009, kept[^1].Index); // the newest stay
        Assert.Equal(kept.Select(e => e.Index).Order(), kept.Select(e => e.Index)); // increasing, never renumbered
        Assert.Equal(5000, JobStore.ConsumedLines(job, JobStages.Search));

        // a watcher resuming from a compacted index gets the events after it
        var (page, _, _) = job.Read(kept[1].Index - 1 == kept[0].Index ? kept[1].Index : kept[0].Index + 1, 10);
        Assert.Equal(10, page.Count);
        Assert.True(page[0].Index > kept[0].Index);

        // the file holds what memory holds, and a restart reads the same log
        var reloaded = Store(state).Find(job.Id)!;
        Assert.Equal(kept.Select(e => e.Index), reloaded.Events.Select(e => e.Index));
        Assert.Equal(5010, reloaded.NextIndex);
        Assert.Equal(kept.Count, File.ReadLines(Path.Combine(job.Folder, JobStore.EventsFile)).Count());
    }

    [Fact]
    public void StepEvents_AreSampled_OtherEventsAllKept()
    {
        var job = NewJob(Store(TestServerHost.TempFolder()));
        var t0 = DateTimeOffset.UtcNow;
        JobProgress P(string kind, int step) => new() { Kind = kind, Step = step, TotalSteps = 100 };
        Assert.True(StageWorker.KeepStep(job, P("step", 1), t0));
        Assert.False(StageWorker.KeepStep(job, P("step", 2), t0.AddMilliseconds(300)));
        Assert.True(StageWorker.KeepStep(job, P("validation", 2), t0.AddMilliseconds(400)));
        Assert.True(StageWorker.KeepStep(job, P("step", 3), t0 + StageWorker.StepEventInterval));
        Assert.True(StageWorker.KeepStep(job, P("step", 100), t0 + StageWorker.StepEventInterval)); // the last step always
    }

    [Fact]
    public async Task WatchJob_ReplaysALongLogInPages_FromAnyIndex_AndEndsAfterTheResult()
    {
        var state = TestServerHost.TempFolder();
        string id;
        {
            var store = Store(state);
            var job = NewJob(store);
            id = job.Id;
            for (var i = 1; i <= 1500; i++) Step(store, job, i);
            store.Finish(job, s => s with { State = JobState.Failed, Finished = DateTimeOffset.UtcNow, Error = "stopped by the test" },
                e => e.Result = new JobResult { State = JobState.Failed, Error = "stopped by the test" });
        }
        await using var host = await TestServerHost.StartAsync(state, new Dictionary<string, string?> { ["HiNas:Jobs:Enabled"] = "false" });
        async Task<List<JobEvent>> Watch(long from)
        {
            using var call = host.Jobs.WatchJob(new WatchJobRequest { JobId = id, FromIndex = from }, TestServerHost.Auth(), DateTime.UtcNow.AddSeconds(30));
            var events = new List<JobEvent>();
            await foreach (var e in call.ResponseStream.ReadAllAsync()) events.Add(e);
            return events;
        }
        var all = await Watch(0);
        Assert.Equal(1501, all.Count);
        Assert.Equal(Enumerable.Range(0, 1501).Select(i => (long)i), all.Select(e => e.Index));
        Assert.Equal(JobEvent.EventOneofCase.Result, all[^1].EventCase);
        var tail = await Watch(1400);
        Assert.Equal(Enumerable.Range(1400, 101).Select(i => (long)i), tail.Select(e => e.Index));
        Assert.Equal(JobEvent.EventOneofCase.Result, (await Watch(1500)).Single().EventCase);
    }

    [Fact]
    public void FinishedJobs_BeyondTheRetention_AreRemoved_NeverAQueuedOne()
    {
        var state = TestServerHost.TempFolder();
        var store = Store(state);
        var now = DateTimeOffset.UtcNow;
        JobRecord Finished(double daysAgo)
        {
            var job = NewJob(store);
            store.Update(job, s => s with { State = JobState.Succeeded, Finished = now.AddDays(-daysAgo) });
            return job;
        }
        var old = Finished(40);
        var recent = Enumerable.Range(0, 4).Select(i => Finished(1 + i * 0.1)).ToList(); // newest first: recent[0]
        var queued = NewJob(store);
        store.Update(queued, s => s with { Created = now.AddDays(-100) });

        Assert.Equal(new[] { old.Id }, store.RemoveExpired(retainDays: 30, retainJobs: 0, now));
        Assert.False(Directory.Exists(old.Folder));
        Assert.Null(store.Find(old.Id));

        var removed = store.RemoveExpired(retainDays: 30, retainJobs: 2, now);
        Assert.Equal(new[] { recent[2].Id, recent[3].Id }.Order(), removed.Order());
        Assert.NotNull(store.Find(recent[0].Id));
        Assert.NotNull(store.Find(queued.Id)); // not finished: kept whatever its age
        Assert.Equal(3, Store(state).All.Count); // and the disk agrees
        Assert.Empty(Directory.GetDirectories(store.Folder, ".*"));
    }
}
