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
    private sealed class EndlessFrames(int size) : IAsyncStreamReader<RestoreStreamRequest>
    {
        private readonly byte[] _pixels = TestFrames.Rgba(size, size, size * 4, 4);
        private ulong _next;

        public int Read { get; private set; }
        public RestoreStreamRequest Current { get; private set; } = new();

        public Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
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
}
