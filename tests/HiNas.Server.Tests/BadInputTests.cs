using Google.Protobuf;
using Grpc.Core;
using HiNas.Protocol.V1;

namespace HiNas.Server.Tests;

/// <summary>Every bad request gets the right status and a message naming the field; the server then still serves a good frame.</summary>
public sealed class BadInputTests
{
    private static RestoreRequest Frame(string model = "denoise-rgb", uint width = 8, uint height = 8, uint stride = 32, PixelFormat format = PixelFormat.Rgba8, int bytes = 256) => new()
    {
        ModelId = model,
        Frame = new RawFrame { Width = width, Height = height, Stride = stride, Format = format, Pixels = ByteString.CopyFrom(new byte[bytes]) },
    };

    public static TheoryData<string, StatusCode, string> UnaryCases => new()
    {
        { "empty bytes", StatusCode.InvalidArgument, "frame.pixels" },
        { "short bytes", StatusCode.InvalidArgument, "frame.pixels" },
        { "one byte more than a tight frame", StatusCode.InvalidArgument, "frame.pixels" },
        { "more than every row at its stride", StatusCode.InvalidArgument, "frame.pixels" },
        { "zero width", StatusCode.InvalidArgument, "frame.width" },
        { "zero height", StatusCode.InvalidArgument, "frame.height" },
        { "huge size", StatusCode.ResourceExhausted, "frame.width/height" },
        { "stride below a row", StatusCode.InvalidArgument, "frame.stride" },
        { "unknown model", StatusCode.NotFound, "model_id" },
        { "empty model", StatusCode.InvalidArgument, "model_id" },
        { "malformed model id", StatusCode.InvalidArgument, "model_id" },
        { "unspecified format", StatusCode.InvalidArgument, "frame.format" },
        { "unknown format", StatusCode.InvalidArgument, "frame.format" },
        { "non-image bytes", StatusCode.InvalidArgument, "image.data" },
        { "truncated png", StatusCode.InvalidArgument, "image.data" },
        { "no input", StatusCode.InvalidArgument, "input" },
    };

    private static RestoreRequest UnaryCase(string name) => name switch
    {
        "empty bytes" => Frame(bytes: 0),
        "short bytes" => Frame(bytes: 255),
        "one byte more than a tight frame" => Frame(stride: 0, bytes: 257),
        "more than every row at its stride" => Frame(stride: 40, bytes: 321),
        "zero width" => Frame(width: 0),
        "zero height" => Frame(height: 0),
        "huge size" => Frame(width: 100_000, height: 100_000, stride: 400_000),
        "stride below a row" => Frame(stride: 31),
        "unknown model" => Frame(model: "no-such-model"),
        "empty model" => Frame(model: ""),
        "malformed model id" => Frame(model: "../etc/passwd"),
        "unspecified format" => Frame(format: PixelFormat.Unspecified),
        "unknown format" => Frame(format: (PixelFormat)99),
        "non-image bytes" => new RestoreRequest { ModelId = "denoise-rgb", Image = new EncodedImage { Data = ByteString.CopyFromUtf8("this is not an image at all") } },
        "truncated png" => new RestoreRequest { ModelId = "denoise-rgb", Image = new EncodedImage { Data = ByteString.CopyFrom(Imaging.IO.ImageFile.EncodePng(new Imaging.Pixels.PlanarImage(3, 16, 16, new float[768])).AsSpan(0, 60).ToArray()) } },
        "no input" => new RestoreRequest { ModelId = "denoise-rgb" },
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(UnaryCases))]
    public async Task Restore_BadRequest_GetsTheRightStatus_AndTheServerStillServes(string name, StatusCode code, string field)
    {
        await using var host = await TestServerHost.StartAsync();
        var error = await Assert.ThrowsAsync<RpcException>(async () => await host.Restoration.RestoreAsync(UnaryCase(name)));
        Assert.Equal(code, error.StatusCode);
        Assert.StartsWith(field + ":", error.Status.Detail);
        await AssertServesAGoodFrame(host);
    }

    [Fact]
    public async Task AStridedFrame_IsTakenWithOrWithoutItsLastRowsPadding_AndATightOneExactly()
    {
        await using var host = await TestServerHost.StartAsync();
        foreach (var (stride, bytes) in new[] { (40u, 312), (40u, 320), (0u, 256), (32u, 256) })
        {
            var restored = await host.Restoration.RestoreAsync(Frame(stride: stride, bytes: bytes));
            Assert.Equal(8u * 8 * 4, (uint)restored.Frame.Pixels.Length);
        }
    }

    public static TheoryData<string, StatusCode, string> StreamCases => new()
    {
        { "first message is a frame", StatusCode.FailedPrecondition, "config" },
        { "config twice", StatusCode.FailedPrecondition, "config" },
        { "unknown model", StatusCode.NotFound, "config.model_id" },
        { "unknown format", StatusCode.InvalidArgument, "config.format" },
        { "in-flight above the limit", StatusCode.InvalidArgument, "config.max_in_flight" },
        { "unknown policy", StatusCode.InvalidArgument, "config.overload_policy" },
        { "short frame", StatusCode.InvalidArgument, "frame[2].pixels" },
        { "zero width frame", StatusCode.InvalidArgument, "frame[2].width" },
        { "sequence going back", StatusCode.InvalidArgument, "frame[1].sequence" },
    };

    [Theory]
    [MemberData(nameof(StreamCases))]
    public async Task RestoreStream_BadMessage_GetsTheRightStatus_AndTheServerStillServes(string name, StatusCode code, string field)
    {
        await using var host = await TestServerHost.StartAsync();
        var good = TestFrames.Rgba(8, 8, 32, 1);
        var messages = new List<RestoreStreamRequest>();
        var config = TestFrames.Config("denoise-rgb", 2, OverloadPolicy.Queue);
        switch (name)
        {
            case "first message is a frame": messages.Add(new RestoreStreamRequest { Frame = TestFrames.StreamFrame(1, 8, 8, 32, good) }); break;
            case "config twice": messages.AddRange(new[] { config, config }); break;
            case "unknown model": messages.Add(TestFrames.Config("nope", 2, OverloadPolicy.Queue)); break;
            case "unknown format": messages.Add(TestFrames.Config("denoise-rgb", 2, OverloadPolicy.Queue, (PixelFormat)42)); break;
            case "in-flight above the limit": messages.Add(TestFrames.Config("denoise-rgb", 100_000, OverloadPolicy.Queue)); break;
            case "unknown policy": messages.Add(TestFrames.Config("denoise-rgb", 2, (OverloadPolicy)7)); break;
            case "short frame": messages.AddRange(new[] { config, Good(1), new RestoreStreamRequest { Frame = TestFrames.StreamFrame(2, 8, 8, 32, good[..100]) } }); break;
            case "zero width frame": messages.AddRange(new[] { config, Good(1), new RestoreStreamRequest { Frame = TestFrames.StreamFrame(2, 0, 8, 32, good) } }); break;
            case "sequence going back": messages.AddRange(new[] { config, Good(5), Good(1) }); break;
        }
        using var call = host.Restoration.RestoreStream();
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            try
            {
                foreach (var m in messages) await call.RequestStream.WriteAsync(m);
                await call.RequestStream.CompleteAsync();
            }
            catch (RpcException)
            {
                // the server ended the call first: its status comes from the response stream
            }
            await foreach (var _ in call.ResponseStream.ReadAllAsync()) { }
        });
        Assert.Equal(code, error.StatusCode);
        Assert.StartsWith(field + ":", error.Status.Detail);
        await AssertServesAGoodFrame(host);

        RestoreStreamRequest Good(ulong sequence) => new() { Frame = TestFrames.StreamFrame(sequence, 8, 8, 32, good) };
    }

    private static async Task AssertServesAGoodFrame(TestServerHost host)
    {
        var ok = await host.Restoration.RestoreAsync(Frame());
        Assert.Equal(256, ok.Frame.Pixels.Length);
    }
}
