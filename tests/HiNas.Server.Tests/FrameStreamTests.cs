using Grpc.Core;
using HiNas.Inference.Repository;
using HiNas.Protocol.V1;
using HiNas.Server.Hosting;
using HiNas.Server.Observability;
using HiNas.Server.Restoration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace HiNas.Server.Tests;

/// <summary>A client that sends without end and never reads its results costs the server a bounded number of frames.</summary>
public sealed class FrameStreamTests
{
    /// <summary>Frames without end, or <paramref name="count"/> of them and then the end of the requests.</summary>
    private sealed class EndlessFrames(int size, int? count = null) : IAsyncStreamReader<RestoreStreamRequest>
    {
        private readonly byte[] _pixels = TestFrames.Rgba(size, size, size * 4, 4);
        private ulong _next;

        public int Read { get; private set; }
        public RestoreStreamRequest Current { get; private set; } = new();

        public Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (Read == count) return Task.FromResult(false);
            Current = new RestoreStreamRequest { Frame = TestFrames.StreamFrame(_next++, size, size, size * 4, _pixels) };
            Read++;
            return Task.FromResult(true);
        }
    }

    /// <summary>A client that never reads: every write waits until the call is cancelled.</summary>
    private sealed class StalledClient : IServerStreamWriter<RestoreStreamResponse>
    {
        public WriteOptions? WriteOptions { get; set; }

        public Task WriteAsync(RestoreStreamResponse message) => Task.Delay(Timeout.Infinite);

        public Task WriteAsync(RestoreStreamResponse message, CancellationToken cancellationToken) => Task.Delay(Timeout.Infinite, cancellationToken);
    }

    [Theory]
    [InlineData(false, 3)]
    [InlineData(true, 3)]
    public async Task AStalledClient_HoldsAtMostTheBoundOfFrames(bool dropOldest, int maxInFlight)
    {
        var models = TestServerHost.TempFolder();
        DefaultModels.Seed(models, NullLogger.Instance);
        using var repository = new ModelRepository(models, watch: false);
        var options = Options.Create(new ServerOptions());
        var metrics = new ServerMetrics();
        using var restorer = new FrameRestorer(repository, options, metrics);
        var model = restorer.OpenModel("model_id", "denoise-rgb");
        var stream = new FrameStream(restorer, model, Inference.Frames.PixelFormat.Rgba8, new StreamPolicy(maxInFlight, dropOldest, 0), metrics, NullLogger.Instance);
        var frames = new EndlessFrames(32);

        using var call = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stream.RunAsync(frames, new StalledClient(), call.Token));

        // QUEUE: maxInFlight frames admitted + the one read and waiting for room. DROP_OLDEST also admits frames
        // by dropping waiting ones, up to 4·maxInFlight unwritten answers (dropped answers hold no pixels).
        var bound = dropOldest ? 4 * maxInFlight + 1 : maxInFlight + 1;
        Assert.InRange(frames.Read, maxInFlight, bound);
        if (dropOldest) Assert.True(stream.Dropped > 0);
        else Assert.Equal(0, stream.Dropped);
    }

    private sealed class Collector : IServerStreamWriter<RestoreStreamResponse>
    {
        public List<StreamResult> Results { get; } = [];
        public WriteOptions? WriteOptions { get; set; }

        public Task WriteAsync(RestoreStreamResponse message)
        {
            Results.Add(message.Result);
            return Task.CompletedTask;
        }

        public Task WriteAsync(RestoreStreamResponse message, CancellationToken cancellationToken) => WriteAsync(message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task AStream_RunsUpToMaxConcurrentInferencesOfItsFramesAtOnce(int concurrent)
    {
        var models = TestServerHost.TempFolder();
        DefaultModels.Seed(models, NullLogger.Instance);
        using var repository = new ModelRepository(models, watch: false);
        var options = Options.Create(new ServerOptions { MaxConcurrentInferences = concurrent });
        var metrics = new ServerMetrics();
        using var restorer = new FrameRestorer(repository, options, metrics);
        var model = restorer.OpenModel("model_id", "denoise-rgb");
        var stream = new FrameStream(restorer, model, Inference.Frames.PixelFormat.Rgba8, new StreamPolicy(6, false, 0), metrics, NullLogger.Instance);

        // every run slot taken: the stream's frames queue at the gate, as many at once as the stream lets run
        var held = new List<IDisposable>();
        for (var i = 0; i < concurrent; i++) held.Add((await restorer.Gate.EnterAsync(new InferenceScheduler.Tag(0, i), null, CancellationToken.None))!);
        var client = new Collector();
        using var call = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var run = stream.RunAsync(new EndlessFrames(32, count: 6), client, call.Token);
        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (restorer.Gate.Waiting < concurrent && clock.Elapsed < TimeSpan.FromSeconds(20)) await Task.Delay(10);
            Assert.Equal(concurrent, restorer.Gate.Waiting);
            await Task.Delay(300);
            Assert.Equal(concurrent, restorer.Gate.Waiting); // never more of its frames than the slots
        }
        catch
        {
            call.Cancel(); // the stream ends before the restorer it runs on is disposed
            foreach (var slot in held) slot.Dispose();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
            throw;
        }
        foreach (var slot in held) slot.Dispose();

        await run;
        Assert.Equal([0UL, 1, 2, 3, 4, 5], client.Results.Select(r => r.Sequence));
        Assert.All(client.Results, r => Assert.False(r.Dropped));
    }
}
