using System.Diagnostics;
using Grpc.Core;
using HiNas.Protocol.V1;
using HiNas.Server.Tests;

namespace HiNas.Client.Tests;

public sealed class RestorationClientTests
{
    [Fact]
    public async Task Stream_Of50Frames_Gives50OrderedResults()
    {
        await using var server = await LoopbackServer.StartAsync();
        using var client = new RestorationClient(server.Options());
        var callbacks = new List<ulong>();
        await using var stream = await client.OpenStreamAsync(new RestorationStreamOptions
        {
            ModelId = "denoise-rgb", MaxInFlight = 3, Policy = OverloadPolicy.Queue, ResultBufferSize = 100,
            OnResult = r => { lock (callbacks) callbacks.Add(r.Sequence); },
        });
        Assert.Equal("denoise-rgb", stream.Model!.Id);
        var pixels = TestFrames.Rgba(40, 30, 40 * 4 + 8, 1);
        for (var i = 0; i < 50; i++)
            while (!stream.TrySubmit(pixels, 40, 30, 40 * 4 + 8, PixelFormat.Rgba8)) await Task.Delay(1); // QUEUE: full means "later"
        await stream.CompleteAsync();

        var results = new List<StreamFrameResult>();
        await foreach (var r in stream.ReadResultsAsync()) results.Add(r);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (ulong)i), results.Select(r => r.Sequence));
        Assert.All(results, r => Assert.True(r.IsRestored));
        Assert.All(results, r => Assert.Equal(40 * 30 * 4, r.Pixels.Length));
        Assert.All(results, r => Assert.True(r.RoundTripMs >= r.ServerTimings!.InferenceMs));
        Assert.Equal(results.Select(r => r.Sequence), callbacks);
        Assert.Equal(50, stream.Stats.Restored);
        Assert.True(stream.Stats.PeakInFlight <= 3);
    }

    [Fact]
    public async Task TheStreamsSigma_AndAFramesOwn_ReachTheServer_AsTheUnaryCallsDoes()
    {
        var state = LoopbackServer.TempFolder();
        TestFrames.PublishToldModel(Path.Combine(state, "models"));
        await using var server = await LoopbackServer.StartAsync(state);
        using var client = new RestorationClient(server.Options());
        var pixels = TestFrames.Rgba(20, 16, 20 * 4, 2);
        var at10 = (await client.RestoreAsync("told", pixels, 20, 16, 0, PixelFormat.Rgba8, sigma: 10)).Pixels.ToArray();
        var at40 = (await client.RestoreAsync("told", pixels, 20, 16, 0, PixelFormat.Rgba8, sigma: 40)).Pixels.ToArray();
        Assert.NotEqual(at10, at40);

        await using var stream = await client.OpenStreamAsync(new RestorationStreamOptions { ModelId = "told", Policy = OverloadPolicy.Queue, Sigma = 10 });
        Assert.True(stream.Model!.TakesNoiseLevel);
        Assert.True(stream.TrySubmit(pixels, 20, 16, 20 * 4, PixelFormat.Rgba8));
        Assert.True(stream.TrySubmit(pixels, 20, 16, 20 * 4, PixelFormat.Rgba8, sigma: 40));
        await stream.CompleteAsync();
        var results = new List<byte[]>();
        await foreach (var r in stream.ReadResultsAsync()) results.Add(r.Pixels.ToArray());
        Assert.Equal(new[] { at10, at40 }, results);

        var refused = await Assert.ThrowsAsync<RpcException>(() => client.OpenStreamAsync(new RestorationStreamOptions { ModelId = "sr-x2-rgb", Sigma = 10 }));
        Assert.Contains("config.sigma: model 'sr-x2-rgb' does not take the noise level", refused.Status.Detail);
    }

    [Fact]
    public async Task TrySubmit_ReturnsAtOnceWhileTheServerIsSlow_AndTheDropPolicyHoldsTheBound()
    {
        var state = LoopbackServer.TempFolder();
        TestFrames.PublishSlowModel(Path.Combine(state, "models"));
        await using var server = await LoopbackServer.StartAsync(state);
        using var client = new RestorationClient(server.Options());
        await using var stream = await client.OpenStreamAsync(new RestorationStreamOptions { ModelId = "slow", MaxInFlight = 2, Policy = OverloadPolicy.DropOldest });
        var pixels = TestFrames.Rgba(64, 64, 256, 2);

        var slowest = TimeSpan.Zero;
        // a render loop that submits in bursts of 4 (as a game catching up after a hitch does) against a model that
        // manages far fewer: drops do not depend on how promptly the test machine's timers fire
        for (var i = 0; i < 40; i++)
        {
            var clock = Stopwatch.StartNew();
            Assert.True(stream.TrySubmit(pixels, 64, 64, 256, PixelFormat.Rgba8));
            slowest = clock.Elapsed > slowest ? clock.Elapsed : slowest;
            Assert.True(stream.Stats.InFlight <= 2);
            if (i % 4 == 3) await Task.Delay(5);
        }
        await stream.CompleteAsync();
        var stats = stream.Stats;
        Assert.True(slowest < TimeSpan.FromMilliseconds(50), $"the slowest TrySubmit took {slowest.TotalMilliseconds:F1} ms");
        Assert.InRange(stats.PeakInFlight, 1, 2);
        Assert.Equal(40, stats.Restored + stats.Dropped); // every frame answered: restored or explicitly dropped
        Assert.True(stats.Dropped > 0);
        Assert.True(stats.Restored > 0);
        var results = new List<StreamFrameResult>();
        await foreach (var r in stream.ReadResultsAsync()) results.Add(r);
        Assert.Contains(results, r => r.Dropped == DropSource.Client);
        Assert.True(results.Single(r => r.Sequence == 39).IsRestored); // the newest frame is never the one replaced
    }

    [Fact]
    public async Task Stream_SurvivesAServerRestart_AndResumes()
    {
        await using var server = await LoopbackServer.StartAsync();
        using var client = new RestorationClient(server.Options());
        var events = new List<StreamConnectionEvent>();
        await using var stream = await client.OpenStreamAsync(new RestorationStreamOptions
        {
            ModelId = "denoise-rgb", MaxInFlight = 2, Policy = OverloadPolicy.Queue, ResultBufferSize = 100,
            InitialReconnectDelay = TimeSpan.FromMilliseconds(50), MaxReconnectDelay = TimeSpan.FromMilliseconds(400),
            OnConnectionChanged = e => { lock (events) events.Add(e); },
        });
        var pixels = TestFrames.Rgba(32, 32, 128, 3);
        for (var i = 0; i < 30; i++)
        {
            if (i == 10)
            {
                await server.StopAsync(); // the server goes away mid-stream …
                await Task.Delay(300);
                await server.StartAgainAsync(); // … and comes back on the same port
            }
            while (!stream.TrySubmit(pixels, 32, 32, 128, PixelFormat.Rgba8)) await Task.Delay(2);
            await Task.Delay(10);
        }
        await stream.CompleteAsync();

        var results = new List<StreamFrameResult>();
        await foreach (var r in stream.ReadResultsAsync()) results.Add(r);
        Assert.Equal(Enumerable.Range(0, 30).Select(i => (ulong)i), results.Select(r => r.Sequence)); // QUEUE: nothing lost, order kept
        Assert.All(results, r => Assert.True(r.IsRestored));
        Assert.True(stream.Stats.Reconnects >= 1);
        lock (events)
        {
            Assert.Contains(events, e => e.State == StreamConnectionState.Reconnecting);
            Assert.Contains(events, e => e.State == StreamConnectionState.Connected);
        }
    }

    [Fact]
    public async Task Unary_ModelsAndFrames_WithACallerSuppliedHandler_AndOverGrpcWeb()
    {
        await using var server = await LoopbackServer.StartAsync(settings: new Dictionary<string, string?> { ["HiNas:Jobs:Enabled"] = "false" });
        var handlerUsed = 0;
        var options = server.Options();
        options.HttpHandler = new CountingHandler(() => Interlocked.Increment(ref handlerUsed));
        using (var client = new RestorationClient(options))
        {
            var models = await client.ListModelsAsync();
            Assert.Contains(models, m => m.Id == "sr-x2-rgb");
            var pixels = TestFrames.Rgba(16, 12, 64, 4);
            var restored = await client.RestoreAsync("sr-x2-rgb", pixels, 16, 12, 64, PixelFormat.Rgba8);
            Assert.Equal((32, 24, 128), (restored.Width, restored.Height, restored.Stride));
            Assert.True(handlerUsed >= 2);
        }

        // gRPC-Web over HTTP/1.1: unary and server-streaming calls
        using var web = new RestorationClient(server.Options(grpcWeb: true));
        Assert.Contains(await web.ListModelsAsync(), m => m.Id == "denoise-gray");
        using var jobs = new JobsClient(server.Options(grpcWeb: true));
        var job = await jobs.StartSearchAsync(new StartSearchRequest { Task = new TaskSpec { Kind = "denoise" } });
        await jobs.CancelAsync(job.Id);
        var events = new List<JobEvent>();
        await foreach (var e in jobs.WatchAsync(job.Id)) events.Add(e);
        Assert.Equal("queued", events[0].Progress.Kind);
        Assert.Equal(JobState.Cancelled, events[^1].Result.State);
    }

    [Fact]
    public async Task ClearErrors_UnknownModel_UnreachableServer_BadFrame_MissingKey()
    {
        await using var server = await LoopbackServer.StartAsync();
        using var client = new RestorationClient(server.Options());
        var unknown = await Assert.ThrowsAsync<RpcException>(() => client.OpenStreamAsync(new RestorationStreamOptions { ModelId = "nope" }));
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("config.model_id", unknown.Status.Detail);

        using var nowhere = new RestorationClient(new HiNasClientOptions { Address = new Uri($"http://127.0.0.1:{LoopbackServer.FreePort()}") });
        var unreachable = await Assert.ThrowsAsync<RpcException>(() => nowhere.OpenStreamAsync(new RestorationStreamOptions { ModelId = "denoise-rgb" }));
        Assert.Equal(StatusCode.Unavailable, unreachable.StatusCode);

        await using var stream = await client.OpenStreamAsync(new RestorationStreamOptions { ModelId = "denoise-rgb" });
        Assert.Throws<ArgumentException>(() => stream.TrySubmit(new byte[10], 8, 8, 32, PixelFormat.Rgba8));
        Assert.Throws<ArgumentException>(() => stream.TrySubmit(new byte[256], 8, 8, 32, PixelFormat.Bgra8));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.OpenStreamAsync(new RestorationStreamOptions { ModelId = "denoise-rgb", MaxInFlight = 0 }));
        var queueDeadline = await Assert.ThrowsAsync<ArgumentException>(() => client.OpenStreamAsync(new RestorationStreamOptions { ModelId = "denoise-rgb", Policy = OverloadPolicy.Queue, MaxLatencyMs = 50 }));
        Assert.StartsWith("MaxLatencyMs needs DROP_OLDEST", queueDeadline.Message);

        var options = server.Options();
        options.ApiKey = null;
        using var jobs = new JobsClient(options);
        var noKey = await Assert.ThrowsAsync<RpcException>(() => jobs.ListAsync());
        Assert.Equal(StatusCode.Unauthenticated, noKey.StatusCode);
    }

    [Fact]
    public async Task AFrameTheServerCannotStartInTime_ComesBackDroppedForTheDeadline()
    {
        await using var server = await LoopbackServer.StartAsync();
        using var client = new RestorationClient(server.Options());
        await using var stream = await client.OpenStreamAsync(new RestorationStreamOptions { ModelId = "denoise-rgb", MaxInFlight = 1, MaxLatencyMs = 40 });
        var scheduler = server.Service<HiNas.Server.Restoration.FrameRestorer>().Scheduler;
        var places = new List<HiNas.Server.Restoration.InferenceScheduler.Admission>();
        for (var i = 0; i < scheduler.Places; i++) places.Add((await scheduler.AdmitAsync($"other/{i}", 1, null, CancellationToken.None))!);
        var pixels = TestFrames.Rgba(16, 16, 64, 3);
        Assert.True(stream.TrySubmit(pixels, 16, 16, 64, PixelFormat.Rgba8));
        StreamFrameResult? late = null;
        await foreach (var r in stream.ReadResultsAsync())
        {
            late = r;
            break;
        }
        Assert.Equal(DropSource.Deadline, late!.Dropped);
        Assert.False(late.IsRestored);

        foreach (var place in places) place.Dispose();
        Assert.True(stream.TrySubmit(pixels, 16, 16, 64, PixelFormat.Rgba8));
        await foreach (var r in stream.ReadResultsAsync())
        {
            Assert.True(r.IsRestored);
            break;
        }
    }

    private sealed class CountingHandler(Action onSend) : DelegatingHandler(new SocketsHttpHandler())
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            onSend();
            return base.SendAsync(request, cancellationToken);
        }
    }
}
