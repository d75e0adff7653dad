using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using HiNas.Protocol.V1;

namespace HiNas.Server.Tests;

/// <summary>A server reachable beyond loopback: a key for Restoration by default, TLS on both endpoints, Host filtering.</summary>
public sealed class ExposureTests
{
    private static RestoreRequest Frame() => new()
    {
        ModelId = "denoise-gray", Frame = new RawFrame { Width = 8, Height = 8, Format = PixelFormat.Gray8, Pixels = ByteString.CopyFrom(new byte[64]) },
    };

    [Fact]
    public async Task BeyondLoopback_RestorationNeedsAKey_TheRestorationKeyOrTheJobsKey()
    {
        // bound to every address (reached here through 127.0.0.1 only)
        await using (var server = await KestrelTestServer.StartAsync(new Dictionary<string, string?> { ["HiNas:GrpcUrl"] = "http://0.0.0.0:0", ["HiNas:RestorationKey"] = "restoration-key-0123456789" }))
        {
            var port = new Uri(server.Addresses.Single().Replace("0.0.0.0", "127.0.0.1").Replace("[::]", "127.0.0.1")).Port;
            using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
            var client = new Protocol.V1.Restoration.RestorationClient(channel);

            var refused = await Assert.ThrowsAsync<RpcException>(async () => await client.RestoreAsync(Frame()));
            Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
            Assert.Equal("the Restoration service needs the metadata 'authorization: Bearer <key>'", refused.Status.Detail);
            var wrong = await Assert.ThrowsAsync<RpcException>(async () => await client.ListModelsAsync(new ListModelsRequest(), TestServerHost.Auth("not-the-right-key-at-all")));
            Assert.Equal(StatusCode.Unauthenticated, wrong.StatusCode);
            using (var stream = client.RestoreStream())
            {
                // the server refuses the stream when it opens, before reading it: the client's first write races that
                // answer (it may fail as Cancelled, the stream being closed under it); the answer is read from the response
                try { await stream.RequestStream.WriteAsync(TestFrames.Config("denoise-gray", 1, OverloadPolicy.Queue, PixelFormat.Gray8)); }
                catch (RpcException e) when (e.StatusCode is StatusCode.Cancelled or StatusCode.Unauthenticated) { }
                var error = await Assert.ThrowsAsync<RpcException>(async () => await stream.ResponseStream.MoveNext(CancellationToken.None));
                Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
                Assert.Equal("the Restoration service needs the metadata 'authorization: Bearer <key>'", error.Status.Detail);
            }

            Assert.Equal(64, (await client.RestoreAsync(Frame(), TestServerHost.Auth("restoration-key-0123456789"))).Frame.Pixels.Length);
            Assert.Equal(64, (await client.RestoreAsync(Frame(), TestServerHost.Auth())).Frame.Pixels.Length); // the Jobs key opens it too
        }
    }

    [Fact]
    public async Task OnLoopback_RestorationIsOpen_UnlessAKeyIsRequired_ThenOneIsGenerated()
    {
        await using (var open = await KestrelTestServer.StartAsync())
        {
            using var channel = GrpcChannel.ForAddress(open.Addresses.Single());
            Assert.Equal(64, (await new Protocol.V1.Restoration.RestorationClient(channel).RestoreAsync(Frame())).Frame.Pixels.Length);
        }

        var state = TestServerHost.TempFolder();
        await using (var closed = await KestrelTestServer.StartAsync(new Dictionary<string, string?> { ["HiNas:StateFolder"] = state, ["HiNas:RequireRestorationKey"] = "true" }))
        {
            var key = File.ReadAllText(Path.Combine(state, Access.RestorationKey.FileName));
            Assert.True(key.Length >= 16);
            using var channel = GrpcChannel.ForAddress(closed.Addresses.Single());
            var client = new Protocol.V1.Restoration.RestorationClient(channel);
            Assert.Equal(StatusCode.Unauthenticated, (await Assert.ThrowsAsync<RpcException>(async () => await client.RestoreAsync(Frame()))).StatusCode);
            Assert.Equal(64, (await client.RestoreAsync(Frame(), TestServerHost.Auth(key))).Frame.Pixels.Length);
        }
    }

    [Fact]
    public async Task TheHttpEndpoint_ServesTls_AndRefusesForeignHostNames()
    {
        var state = TestServerHost.TempFolder();
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var pfx = Path.Combine(state, "server.pfx");
        await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pfx, "secret"));

        await using (var server = await KestrelTestServer.StartAsync(new Dictionary<string, string?>
        {
            ["HiNas:StateFolder"] = state, ["HiNas:HttpUrl"] = "https://127.0.0.1:0", ["HiNas:CertificatePath"] = pfx, ["HiNas:CertificatePassword"] = "secret",
        }))
        {
            var https = Assert.Single(server.Addresses, a => a.StartsWith("https://127.0.0.1:", StringComparison.Ordinal));
            using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, presented, _, _) => presented?.GetCertHashString() == certificate.GetCertHashString() };
            using var http = new HttpClient(handler);
            Assert.Equal("Healthy", await http.GetStringAsync($"{https}/healthz"));

            // a page on another site that reaches the server through DNS rebinding sends its own host name
            using var rebound = new HttpRequestMessage(HttpMethod.Get, $"{https}/metrics");
            rebound.Headers.Host = "attacker.example";
            Assert.Equal(HttpStatusCode.BadRequest, (await http.SendAsync(rebound)).StatusCode);
            using var local = new HttpRequestMessage(HttpMethod.Get, $"{https}/healthz");
            local.Headers.Host = "localhost";
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(local)).StatusCode);
        }
    }
}
