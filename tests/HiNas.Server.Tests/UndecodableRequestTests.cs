using Grpc.Core;
using HiNas.Protocol.V1;

namespace HiNas.Server.Tests;

/// <summary>
/// Request bytes that do not decode as the method's message: INVALID_ARGUMENT naming the message type (never UNKNOWN),
/// on unary and streaming calls, on every service, before the Jobs key is even looked at; the server keeps serving.
/// </summary>
public sealed class UndecodableRequestTests
{
    private static readonly Marshaller<byte[]> Raw = Marshallers.Create(b => b, b => b);

    private static Method<byte[], byte[]> RawMethod(MethodType type, string service, string name) => new(type, service, name, Raw, Raw);

    /// <summary>Bytes protobuf cannot parse: a length past the end, a wire type that does not exist, a varint that never ends.</summary>
    public static TheoryData<byte[]> Garbled => new()
    {
        new byte[] { 0x0A, 0x7F, 0x01 },
        new byte[] { 0x0F, 0x00 },
        Enumerable.Repeat((byte)0xFF, 16).ToArray(),
    };

    [Theory]
    [MemberData(nameof(Garbled))]
    public async Task UnaryCalls_OnEveryService_GetInvalidArgumentNamingTheMessage(byte[] bytes)
    {
        await using var host = await TestServerHost.StartAsync();
        var invoker = host.Channel.CreateCallInvoker();
        foreach (var (service, method, message) in new[]
                 {
                     ("hinas.v1.Restoration", "GetModel", nameof(GetModelRequest)),
                     ("hinas.v1.Restoration", "Restore", nameof(RestoreRequest)),
                     ("hinas.v1.Jobs", "StartTraining", nameof(StartTrainingRequest)), // no key given: the bytes are refused first
                     ("grpc.health.v1.Health", "Check", "HealthCheckRequest"),
                 })
        {
            var error = await Assert.ThrowsAsync<RpcException>(async () =>
                await invoker.AsyncUnaryCall(RawMethod(MethodType.Unary, service, method), null, new CallOptions(), bytes));
            Assert.True(error.StatusCode == StatusCode.InvalidArgument, $"{service}/{method}: {error.Status}");
            Assert.Equal($"request: the bytes are not a {message} message", error.Status.Detail);
        }
        Assert.Equal("denoise-rgb", (await host.Restoration.GetModelAsync(new GetModelRequest { ModelId = "denoise-rgb" })).Id);
    }

    [Fact]
    public async Task RandomBytes_NeverGetUnknownOrInternal()
    {
        await using var host = await TestServerHost.StartAsync();
        var invoker = host.Channel.CreateCallInvoker();
        var random = new Random(15);
        for (var i = 0; i < 100; i++)
        {
            var bytes = new byte[random.Next(1, 96)];
            random.NextBytes(bytes);
            var method = RawMethod(MethodType.Unary, i % 2 == 0 ? "hinas.v1.Restoration" : "hinas.v1.Jobs", i % 2 == 0 ? "GetModel" : "GetJob");
            try
            {
                await invoker.AsyncUnaryCall(method, null, new CallOptions(), bytes);
            }
            catch (RpcException e)
            {
                Assert.True(e.StatusCode is not (StatusCode.Unknown or StatusCode.Internal), $"{method.FullName} with {Convert.ToHexString(bytes)}: {e.Status}");
            }
        }
        Assert.Equal("denoise-rgb", (await host.Restoration.GetModelAsync(new GetModelRequest { ModelId = "denoise-rgb" })).Id);
    }

    [Fact]
    public async Task AGarbledMessageOnAStream_EndsThatStreamWithInvalidArgument()
    {
        await using var host = await TestServerHost.StartAsync();
        using var call = host.Channel.CreateCallInvoker().AsyncDuplexStreamingCall(RawMethod(MethodType.DuplexStreaming, "hinas.v1.Restoration", "RestoreStream"), null, new CallOptions());
        await call.RequestStream.WriteAsync(new byte[] { 0x0A, 0x7F, 0x01 });
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None)) { }
        });
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("request: the bytes are not a RestoreStreamRequest message", error.Status.Detail);
        Assert.Equal("denoise-rgb", (await host.Restoration.GetModelAsync(new GetModelRequest { ModelId = "denoise-rgb" })).Id);
    }
}
