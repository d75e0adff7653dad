using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using HiNas.Protocol.V1;
using HiNas.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HiNas.Server.Tests;

/// <summary>A server reachable beyond loopback: a key for Restoration by default, TLS on both endpoints, Host filtering.</summary>
public sealed class ExposureTests
{
    private static async Task<(WebApplication App, string[] Addresses)> Start(Dictionary<string, string?> settings)
    {
        var values = new Dictionary<string, string?>
        {
            ["HiNas:StateFolder"] = TestServerHost.TempFolder(), ["HiNas:GrpcUrl"] = "http://127.0.0.1:0", ["HiNas:HttpUrl"] = "",
            ["HiNas:Jobs:ApiKey"] = TestServerHost.Key, ["HiNas:Jobs:Enabled"] = "false",
        };
        foreach (var (k, v) in settings) values[k] = v;
        var app = ServerApp.Build(Array.Empty<string>(), builder =>
        {
            builder.Configuration.AddInMemoryCollection(values);
            builder.Logging.ClearProviders();
        });
        await app.StartAsync();
        return (app, app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.ToArray());
    }

    private static RestoreRequest Frame() => new()
    {
        ModelId = "denoise-gray", Frame = new RawFrame { Width = 8, Height = 8, Format = PixelFormat.Gray8, Pixels = ByteString.CopyFrom(new byte[64]) },
    };

    [Fact]
    public async Task BeyondLoopback_RestorationNeedsAKey_TheRestorationKeyOrTheJobsKey()
    {
        // bound to every address (reached here through 127.0.0.1 only)
        var (app, addresses) = await Start(new() { ["HiNas:GrpcUrl"] = "http://0.0.0.0:0", ["HiNas:RestorationKey"] = "restoration-key-0123456789" });
        try
        {
            var port = new Uri(addresses.Single().Replace("0.0.0.0", "127.0.0.1").Replace("[::]", "127.0.0.1")).Port;
            using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
            var client = new Protocol.V1.Restoration.RestorationClient(channel);

            var refused = await Assert.ThrowsAsync<RpcException>(async () => await client.RestoreAsync(Frame()));
            Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
            Assert.Equal("the Restoration service needs the metadata 'authorization: Bearer <key>'", refused.Status.Detail);
            var wrong = await Assert.ThrowsAsync<RpcException>(async () => await client.ListModelsAsync(new ListModelsRequest(), TestServerHost.Auth("not-the-right-key-at-all")));
            Assert.Equal(StatusCode.Unauthenticated, wrong.StatusCode);
            using (var stream = client.RestoreStream())
            {
                var error = await Assert.ThrowsAsync<RpcException>(async () =>
                {
                    await stream.RequestStream.WriteAsync(TestFrames.Config("denoise-gray", 1, OverloadPolicy.Queue, PixelFormat.Gray8));
                    await stream.ResponseStream.MoveNext(CancellationToken.None);
                });
                Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
            }

            Assert.Equal(64, (await client.RestoreAsync(Frame(), TestServerHost.Auth("restoration-key-0123456789"))).Frame.Pixels.Length);
            Assert.Equal(64, (await client.RestoreAsync(Frame(), TestServerHost.Auth())).Frame.Pixels.Length); // the Jobs key opens it too
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task OnLoopback_RestorationIsOpen_UnlessAKeyIsRequired_ThenOneIsGenerated()
    {
        var (open, openAddresses) = await Start(new());
        try
        {
            using var channel = GrpcChannel.ForAddress(openAddresses.Single());
            Assert.Equal(64, (await new Protocol.V1.Restoration.RestorationClient(channel).RestoreAsync(Frame())).Frame.Pixels.Length);
        }
        finally
        {
            await open.StopAsync();
            await open.DisposeAsync();
        }

        var state = TestServerHost.TempFolder();
        var (closed, closedAddresses) = await Start(new() { ["HiNas:StateFolder"] = state, ["HiNas:RequireRestorationKey"] = "true" });
        try
        {
            var key = File.ReadAllText(Path.Combine(state, Access.RestorationKey.FileName));
            Assert.True(key.Length >= 16);
            using var channel = GrpcChannel.ForAddress(closedAddresses.Single());
            var client = new Protocol.V1.Restoration.RestorationClient(channel);
            Assert.Equal(StatusCode.Unauthenticated, (await Assert.ThrowsAsync<RpcException>(async () => await client.RestoreAsync(Frame()))).StatusCode);
            Assert.Equal(64, (await client.RestoreAsync(Frame(), TestServerHost.Auth(key))).Frame.Pixels.Length);
        }
        finally
        {
            await closed.StopAsync();
            await closed.DisposeAsync();
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

        var (app, addresses) = await Start(new()
        {
            ["HiNas:StateFolder"] = state, ["HiNas:HttpUrl"] = "https://127.0.0.1:0", ["HiNas:CertificatePath"] = pfx, ["HiNas:CertificatePassword"] = "secret",
        });
        try
        {
            var https = Assert.Single(addresses, a => a.StartsWith("https://127.0.0.1:", StringComparison.Ordinal));
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
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
