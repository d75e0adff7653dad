using Microsoft.Extensions.DependencyInjection;
using Google.Protobuf;
using Grpc.Core;
using HiNas.Protocol.V1;

namespace HiNas.Server.Tests;

/// <summary>Streams and unary restores beyond their caps are refused with RESOURCE_EXHAUSTED naming the limit; the admitted ones keep being served.</summary>
public sealed class CallCapTests
{
    [Fact]
    public async Task AStreamBeyondTheCap_IsRefused_WhileTheOpenOnesKeepBeingServed()
    {
        await using var host = await TestServerHost.StartAsync(settings: new Dictionary<string, string?> { ["HiNas:MaxStreams"] = "2" });
        var pixels = TestFrames.Rgba(16, 16, 64, 1);
        var first = await Open(host);
        var second = await Open(host);

        using var third = host.Restoration.RestoreStream();
        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await third.RequestStream.WriteAsync(TestFrames.Config("denoise-rgb", 2, OverloadPolicy.Queue)); // may already see the refusal
            await third.ResponseStream.MoveNext(CancellationToken.None);
        });
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.StartsWith("streams: the server serves at most 2 streams at once (HiNas:MaxStreams)", refused.Status.Detail);

        await first.RequestStream.WriteAsync(new RestoreStreamRequest { Frame = TestFrames.StreamFrame(0, 16, 16, 64, pixels) });
        Assert.True(await first.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(16u * 16 * 4, (uint)first.ResponseStream.Current.Result.Pixels.Length);

        // a stream that ends gives its place back
        await second.RequestStream.CompleteAsync();
        while (await second.ResponseStream.MoveNext(CancellationToken.None)) { }
        second.Dispose();
        using var again = await Open(host);
        first.Dispose();
    }

    [Fact]
    public async Task AUnaryRestoreBeyondTheCap_IsRefusedBeforeItsFrameIsConverted_AndServedOnceAPlaceIsFree()
    {
        await using var host = await TestServerHost.StartAsync(settings: new Dictionary<string, string?> { ["HiNas:MaxWaitingRestores"] = "1" });
        var pixels = TestFrames.Rgba(16, 16, 64, 2);
        RestoreRequest Request() => new() { ModelId = "denoise-rgb", Frame = new RawFrame { Width = 16, Height = 16, Format = PixelFormat.Rgba8, Pixels = ByteString.CopyFrom(pixels) } };
        var restorer = host.App.Services.GetRequiredService<Restoration.FrameRestorer>();

        using (restorer.EnterRestore()) // the one place is taken (as by a call waiting for inference)
        {
            var refused = await Assert.ThrowsAsync<RpcException>(async () => await host.Restoration.RestoreAsync(Request()));
            Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
            Assert.StartsWith("restores: the server restores at most 1 unary frames at once, waiting ones included (HiNas:MaxWaitingRestores)", refused.Status.Detail);
        }
        var restored = await host.Restoration.RestoreAsync(Request());
        Assert.Equal(16u * 16 * 4, (uint)restored.Frame.Pixels.Length);
        await host.Restoration.RestoreAsync(Request()); // and the place is given back after each call
    }

    private static async Task<AsyncDuplexStreamingCall<RestoreStreamRequest, RestoreStreamResponse>> Open(TestServerHost host)
    {
        var call = host.Restoration.RestoreStream();
        await call.RequestStream.WriteAsync(TestFrames.Config("denoise-rgb", 2, OverloadPolicy.Queue));
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.NotNull(call.ResponseStream.Current.Accepted);
        return call;
    }
}
