using Grpc.Core;
using HiNas.Protocol.V1;
using HiNas.Server.Restoration;
using Microsoft.Extensions.DependencyInjection;

namespace HiNas.Server.Tests;

/// <summary>DROP_OLDEST streams answer a frame dropped for the deadline instead of restoring it late; QUEUE streams keep every frame.</summary>
public sealed class StreamDeadlineTests
{
    [Fact]
    public async Task AFrameThatCannotStartInTime_IsAnsweredDroppedForTheDeadline_AndLaterFramesAreRestored()
    {
        await using var host = await TestServerHost.StartAsync();
        var restorer = host.App.Services.GetRequiredService<FrameRestorer>();
        var pixels = TestFrames.Rgba(32, 32, 128, 7);

        using var call = host.Restoration.RestoreStream();
        await call.RequestStream.WriteAsync(TestFrames.Config("denoise-rgb", 8, OverloadPolicy.DropOldest, maxLatencyMs: 60));
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(60u, call.ResponseStream.Current.Accepted.MaxLatencyMs);

        // every place at the engine is taken (as by other callers' large frames) for longer than the deadline
        var places = new List<InferenceScheduler.Admission>();
        for (var i = 0; i < restorer.Scheduler.Places; i++) places.Add((await restorer.Scheduler.AdmitAsync($"other/{i}", 1, null, CancellationToken.None))!);
        for (var i = 0; i < 3; i++) await call.RequestStream.WriteAsync(new RestoreStreamRequest { Frame = TestFrames.StreamFrame((ulong)i, 32, 32, 128, pixels) });
        for (var i = 0; i < 3; i++)
        {
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
            var late = call.ResponseStream.Current.Result;
            Assert.Equal(((ulong)i, true, DropReason.Deadline), (late.Sequence, late.Dropped, late.DropReason));
            Assert.True(late.Pixels.IsEmpty);
            Assert.True(late.Timings.TotalMs >= 0);
        }

        foreach (var place in places) place.Dispose();
        await call.RequestStream.WriteAsync(new RestoreStreamRequest { Frame = TestFrames.StreamFrame(3, 32, 32, 128, pixels) });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var restored = call.ResponseStream.Current.Result;
        Assert.Equal((3ul, false, DropReason.Unspecified), (restored.Sequence, restored.Dropped, restored.DropReason));
        Assert.Equal(32 * 32 * 4, restored.Pixels.Length);
        Assert.True(restored.Timings.QueueMs >= 0 && restored.Timings.TotalMs < 60_000);
        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));

        var metrics = host.App.Services.GetRequiredService<Observability.ServerMetrics>();
        Assert.Equal(3, metrics.Dropped.WithLabels("denoise-rgb", "deadline").Value);
    }

    [Fact]
    public async Task DropOldestGetsTheServersDefaultDeadline_AndQueueRefusesOne()
    {
        await using var host = await TestServerHost.StartAsync(settings: new Dictionary<string, string?> { ["HiNas:DefaultMaxLatencyMs"] = "250" });
        using (var game = host.Restoration.RestoreStream())
        {
            await game.RequestStream.WriteAsync(TestFrames.Config("denoise-rgb", 2, OverloadPolicy.DropOldest));
            Assert.True(await game.ResponseStream.MoveNext(CancellationToken.None));
            Assert.Equal(250u, game.ResponseStream.Current.Accepted.MaxLatencyMs);
        }
        using (var video = host.Restoration.RestoreStream())
        {
            await video.RequestStream.WriteAsync(TestFrames.Config("denoise-rgb", 2, OverloadPolicy.Queue));
            Assert.True(await video.ResponseStream.MoveNext(CancellationToken.None));
            Assert.Equal(0u, video.ResponseStream.Current.Accepted.MaxLatencyMs);
        }
        using var refused = host.Restoration.RestoreStream();
        await refused.RequestStream.WriteAsync(TestFrames.Config("denoise-rgb", 2, OverloadPolicy.Queue, maxLatencyMs: 50));
        var error = await Assert.ThrowsAsync<RpcException>(() => refused.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith("config.max_latency_ms: 50 is set on a QUEUE stream", error.Status.Detail);
    }
}
