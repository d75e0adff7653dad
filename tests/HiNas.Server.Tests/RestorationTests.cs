using Google.Protobuf;
using Grpc.Core;
using HiNas.Inference.Engine;
using HiNas.Inference.Frames;
using HiNas.Inference.Packages;
using HiNas.Protocol.V1;
using PixelFormat = HiNas.Protocol.V1.PixelFormat;

namespace HiNas.Server.Tests;

public sealed class RestorationTests
{
    [Fact]
    public async Task ListModels_ServesTheEmbeddedDefaults()
    {
        await using var host = await TestServerHost.StartAsync();
        var response = await host.Restoration.ListModelsAsync(new ListModelsRequest());
        var ids = response.Models.Select(m => m.Id).ToArray();
        Assert.Contains("denoise-rgb", ids);
        Assert.Contains("denoise-gray", ids);
        Assert.Contains("sr-x2-rgb", ids);
        var sr = await host.Restoration.GetModelAsync(new GetModelRequest { ModelId = "sr-x2-rgb" });
        Assert.Equal(2, sr.Scale);
        Assert.Equal(3, sr.Channels);
    }

    /// <summary>
    /// Server and local engine at one graph optimisation level: each chooses the faster level by a timing (EXTENDED or
    /// ALL), and the two levels' float results differ in the last bit, which can move a byte by 1.
    /// </summary>
    private static readonly Dictionary<string, string?> SameGraphAsLocal = new() { ["HiNas:OrtGraphOptimization"] = nameof(GraphOptimization.Extended) };

    [Fact]
    public async Task Stream_Of30Frames_Returns30ResultsInOrder_EqualToTheLocalEngine()
    {
        await using var host = await TestServerHost.StartAsync(settings: SameGraphAsLocal);
        const int width = 52, height = 36, stride = 52 * 4 + 12;
        var frames = Enumerable.Range(0, 30).Select(i => TestFrames.Rgba(width, height, stride, i)).ToArray();

        using var call = host.Restoration.RestoreStream();
        await call.RequestStream.WriteAsync(TestFrames.Config("denoise-rgb", 4, OverloadPolicy.Queue));
        var sending = Task.Run(async () =>
        {
            for (var i = 0; i < frames.Length; i++) await call.RequestStream.WriteAsync(new RestoreStreamRequest { Frame = TestFrames.StreamFrame((ulong)(100 + i), width, height, stride, frames[i]) });
            await call.RequestStream.CompleteAsync();
        });
        var responses = new List<RestoreStreamResponse>();
        await foreach (var r in call.ResponseStream.ReadAllAsync()) responses.Add(r);
        await sending;

        Assert.Equal(RestoreStreamResponse.MessageOneofCase.Accepted, responses[0].MessageCase);
        Assert.Equal("denoise-rgb", responses[0].Accepted.Model.Id);
        var results = responses.Skip(1).Select(r => r.Result).ToArray();
        Assert.Equal(30, results.Length);
        Assert.Equal(Enumerable.Range(100, 30).Select(i => (ulong)i), results.Select(r => r.Sequence));
        Assert.All(results, r => Assert.False(r.Dropped));

        using var local = RestorationModel.Open(ModelPackage.Load(Path.Combine(host.ModelsFolder, "denoise-rgb")), preferCuda: false, optimization: GraphOptimization.Extended);
        for (var i = 0; i < frames.Length; i++)
        {
            var expected = InferenceEngine.Restore(local, frames[i], new FrameLayout(width, height, stride, Inference.Frames.PixelFormat.Rgba8));
            Assert.Equal((uint)width, results[i].Width);
            Assert.Equal((uint)(width * 4), results[i].Stride);
            Assert.Equal(expected.Pixels, results[i].Pixels.ToByteArray());
            Assert.True(results[i].Timings.TotalMs >= results[i].Timings.InferenceMs);
            Assert.Equal((long)(100 + i) * 1000, results[i].ClientTimestampUs);
        }
        // the restored frames differ from the noisy input (it really ran)
        Assert.NotEqual(frames[0].Take(width * 4), results[0].Pixels.ToByteArray().Take(width * 4));
    }

    [Fact]
    public async Task Restore_RawFrameAndEncodedImage()
    {
        await using var host = await TestServerHost.StartAsync();
        var pixels = TestFrames.Rgba(20, 16, 80, 1);
        var frame = await host.Restoration.RestoreAsync(new RestoreRequest
        {
            ModelId = "sr-x2-rgb",
            Frame = new RawFrame { Width = 20, Height = 16, Stride = 80, Format = PixelFormat.Rgba8, Pixels = ByteString.CopyFrom(pixels) },
        });
        Assert.Equal(40u, frame.Frame.Width);
        Assert.Equal(32u, frame.Frame.Height);
        Assert.Equal(40 * 32 * 4, frame.Frame.Pixels.Length);

        var planar = new Imaging.Pixels.PlanarImage(3, 16, 20, Enumerable.Range(0, 3 * 16 * 20).Select(i => (i % 97) / 97f).ToArray());
        var png = Imaging.IO.ImageFile.EncodePng(planar);
        var image = await host.Restoration.RestoreAsync(new RestoreRequest { ModelId = "sr-x2-rgb", Image = new EncodedImage { Data = ByteString.CopyFrom(png) } });
        var decoded = Imaging.IO.ImageFile.Decode(image.Image.Data.Span, "response");
        Assert.Equal((3, 32, 40), (decoded.Channels, decoded.Height, decoded.Width));
    }

    [Fact]
    public async Task ADenoiserToldTheNoise_TakesEachFramesSigma_UnaryAndStreamed_AndAWrongSigmaNamesItsField()
    {
        var state = TestServerHost.TempFolder();
        TestFrames.PublishToldModel(Path.Combine(state, "models"));
        await using var host = await TestServerHost.StartAsync(state, SameGraphAsLocal);
        const int size = 24;
        var pixels = TestFrames.Rgba(size, size, size * 4, 1);
        var frame = new RawFrame { Width = size, Height = size, Format = PixelFormat.Rgba8, Pixels = ByteString.CopyFrom(pixels) };
        var model = await host.Restoration.GetModelAsync(new GetModelRequest { ModelId = "told" });
        Assert.True(model.TakesNoiseLevel);
        Assert.False((await host.Restoration.GetModelAsync(new GetModelRequest { ModelId = "sr-x2-rgb" })).TakesNoiseLevel);

        async Task<byte[]> Unary(double? sigma)
        {
            var request = new RestoreRequest { ModelId = "told", Frame = frame };
            if (sigma is { } s) request.Sigma = s;
            return (await host.Restoration.RestoreAsync(request)).Frame.Pixels.ToByteArray();
        }
        using var local = RestorationModel.Open(ModelPackage.Load(Path.Combine(host.ModelsFolder, "told")), preferCuda: false, optimization: GraphOptimization.Extended);
        var layout = new FrameLayout(size, size, size * 4, Inference.Frames.PixelFormat.Rgba8);
        var (at5, at45) = (await Unary(5), await Unary(45));
        Assert.Equal(InferenceEngine.Restore(local, pixels, layout, 5).Pixels, at5);
        Assert.Equal(InferenceEngine.Restore(local, pixels, layout, 45).Pixels, at45);
        Assert.NotEqual(at5, at45);
        Assert.Equal(InferenceEngine.Restore(local, pixels, layout, 25).Pixels, await Unary(null)); // unset: the model's own σ
        Assert.Equal(InferenceEngine.Restore(local, pixels, layout, 0).Pixels, await Unary(0)); // 0: a clean frame

        var outside = await Assert.ThrowsAsync<RpcException>(() => Unary(60));
        Assert.Equal(StatusCode.InvalidArgument, outside.StatusCode);
        Assert.Contains("sigma: 60 is outside [0, 50], the σ range of model 'told'", outside.Status.Detail);
        var upscaler = await Assert.ThrowsAsync<RpcException>(async () => await host.Restoration.RestoreAsync(new RestoreRequest { ModelId = "sr-x2-rgb", Frame = frame, Sigma = 0 }));
        Assert.Equal(StatusCode.InvalidArgument, upscaler.StatusCode);
        Assert.Contains("sigma: model 'sr-x2-rgb' does not take the noise level (it is an upscaler)", upscaler.Status.Detail);

        // a stream's σ, and a frame's own
        using (var call = host.Restoration.RestoreStream())
        {
            var config = TestFrames.Config("told", 2, OverloadPolicy.Queue);
            config.Config.Sigma = 5;
            await call.RequestStream.WriteAsync(config);
            await call.RequestStream.WriteAsync(new RestoreStreamRequest { Frame = TestFrames.StreamFrame(1, size, size, size * 4, pixels) });
            var own = TestFrames.StreamFrame(2, size, size, size * 4, pixels);
            own.Sigma = 45;
            await call.RequestStream.WriteAsync(new RestoreStreamRequest { Frame = own });
            await call.RequestStream.CompleteAsync();
            var results = new List<StreamResult>();
            await foreach (var r in call.ResponseStream.ReadAllAsync())
                if (r.MessageCase == RestoreStreamResponse.MessageOneofCase.Result) results.Add(r.Result);
            Assert.Equal(at5, results.Single(r => r.Sequence == 1).Pixels.ToByteArray());
            Assert.Equal(at45, results.Single(r => r.Sequence == 2).Pixels.ToByteArray());
        }
        using (var call = host.Restoration.RestoreStream())
        {
            await call.RequestStream.WriteAsync(TestFrames.Config("told", 2, OverloadPolicy.Queue));
            var wrong = TestFrames.StreamFrame(1, size, size, size * 4, pixels);
            wrong.Sigma = 51;
            await call.RequestStream.WriteAsync(new RestoreStreamRequest { Frame = wrong });
            var failure = await Assert.ThrowsAsync<RpcException>(async () => { await foreach (var _ in call.ResponseStream.ReadAllAsync()) { } });
            Assert.Equal(StatusCode.InvalidArgument, failure.StatusCode);
            Assert.Contains("frame[1].sigma: 51 is outside [0, 50], the σ range of model 'told'", failure.Status.Detail);
        }

        using var refused = host.Restoration.RestoreStream();
        var bad = TestFrames.Config("sr-x2-rgb", 2, OverloadPolicy.Queue);
        bad.Config.Sigma = 10;
        await refused.RequestStream.WriteAsync(bad);
        var e = await Assert.ThrowsAsync<RpcException>(async () => await refused.ResponseStream.MoveNext());
        Assert.Contains("config.sigma: model 'sr-x2-rgb' does not take the noise level", e.Status.Detail);
    }

    [Fact]
    public async Task DropOldest_WithASlowModel_DropsFramesAndSaysSo_WhileQueueLosesNothing()
    {
        var state = TestServerHost.TempFolder();
        TestFrames.PublishSlowModel(Path.Combine(state, "models"));
        await using var host = await TestServerHost.StartAsync(state);
        const int size = 64;
        var pixels = TestFrames.Rgba(size, size, size * 4, 3);

        async Task<List<StreamResult>> Run(OverloadPolicy policy, int count)
        {
            using var call = host.Restoration.RestoreStream();
            await call.RequestStream.WriteAsync(TestFrames.Config("slow", 2, policy, maxLatencyMs: policy == OverloadPolicy.DropOldest ? 60_000u : 0));
            var sending = Task.Run(async () =>
            {
                for (var i = 0; i < count; i++) await call.RequestStream.WriteAsync(new RestoreStreamRequest { Frame = TestFrames.StreamFrame((ulong)i, size, size, size * 4, pixels) });
                await call.RequestStream.CompleteAsync();
            });
            var results = new List<StreamResult>();
            await foreach (var r in call.ResponseStream.ReadAllAsync())
                if (r.MessageCase == RestoreStreamResponse.MessageOneofCase.Result) results.Add(r.Result);
            await sending;
            return results;
        }

        var dropped = await Run(OverloadPolicy.DropOldest, 24);
        Assert.Equal(Enumerable.Range(0, 24).Select(i => (ulong)i), dropped.Select(r => r.Sequence)); // every frame answered, in order
        Assert.Contains(dropped, r => r.Dropped);
        Assert.All(dropped.Where(r => r.Dropped), r => Assert.True(r.Pixels.IsEmpty));
        Assert.All(dropped.Where(r => r.Dropped), r => Assert.Equal(DropReason.NewerFrame, r.DropReason));
        Assert.All(dropped.Where(r => !r.Dropped), r => Assert.Equal(size * size * 4, r.Pixels.Length));
        Assert.False(dropped[^1].Dropped); // the newest frame is never the one dropped

        var queued = await Run(OverloadPolicy.Queue, 8);
        Assert.Equal(8, queued.Count);
        Assert.All(queued, r => Assert.False(r.Dropped));
    }
}
