using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Grpc.Reflection.V1Alpha;
using HiNas.Protocol.V1;
using HiNas.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HiNas.Server.Tests;

/// <summary>The real Kestrel server on 127.0.0.1 (ephemeral ports): h2c gRPC, health, reflection, and /metrics over HTTP/1.1.</summary>
public sealed class LoopbackTests
{
    [Fact]
    public async Task Kestrel_ServesGrpcHealthReflectionAndMetrics_OnLoopback()
    {
        var app = ServerApp.Build(Array.Empty<string>(), builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["HiNas:StateFolder"] = TestServerHost.TempFolder(),
                ["HiNas:GrpcUrl"] = "http://127.0.0.1:0",
                ["HiNas:HttpUrl"] = "http://127.0.0.1:0",
                ["HiNas:Jobs:ApiKey"] = TestServerHost.Key,
            });
            builder.Logging.ClearProviders();
        });
        await app.StartAsync();
        try
        {
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.ToArray();
            Assert.Equal(2, addresses.Length);
            Assert.All(addresses, a => Assert.StartsWith("http://127.0.0.1:", a));
            // Kestrel lists the endpoints in the order they were configured: gRPC first, then metrics.
            using var channel = GrpcChannel.ForAddress(addresses[0], new GrpcChannelOptions { MaxReceiveMessageSize = null });

            var restoration = new Protocol.V1.Restoration.RestorationClient(channel);
            var pixels = TestFrames.Rgba(32, 24, 128, 5);
            using (var call = restoration.RestoreStream())
            {
                await call.RequestStream.WriteAsync(TestFrames.Config("denoise-rgb", 3, OverloadPolicy.Queue));
                for (var i = 0; i < 5; i++) await call.RequestStream.WriteAsync(new RestoreStreamRequest { Frame = TestFrames.StreamFrame((ulong)i, 32, 24, 128, pixels) });
                await call.RequestStream.CompleteAsync();
                var results = new List<StreamResult>();
                await foreach (var r in call.ResponseStream.ReadAllAsync())
                    if (r.Result is { } result) results.Add(result);
                Assert.Equal(5, results.Count);
            }

            var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest());
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);

            using var reflection = new ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo();
            await reflection.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
            await reflection.RequestStream.CompleteAsync();
            Assert.True(await reflection.ResponseStream.MoveNext());
            var services = reflection.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToArray();
            Assert.Contains("hinas.v1.Restoration", services);
            Assert.Contains("hinas.v1.Jobs", services);

            using var http = new HttpClient();
            var metrics = await http.GetStringAsync($"{addresses[1]}/metrics");
            Assert.Contains("hinas_frames_total{model=\"denoise-rgb\",outcome=\"restored\"} 5", metrics);
            Assert.Contains("hinas_frame_stage_milliseconds_bucket{model=\"denoise-rgb\",stage=\"inference\"", metrics);
            Assert.Contains("hinas_jobs{state=\"Running\"} 0", metrics);
            var healthz = await http.GetStringAsync($"{addresses[1]}/healthz");
            Assert.Equal("Healthy", healthz);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task Tls_ByConfiguration_ServesOverHttps()
    {
        var state = TestServerHost.TempFolder();
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=127.0.0.1", rsa,
            System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        var san = new System.Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder();
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var pfx = Path.Combine(state, "server.pfx");
        await File.WriteAllBytesAsync(pfx, certificate.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pfx, "secret"));

        var app = ServerApp.Build(Array.Empty<string>(), builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["HiNas:StateFolder"] = state, ["HiNas:GrpcUrl"] = "https://127.0.0.1:0", ["HiNas:HttpUrl"] = "",
                ["HiNas:CertificatePath"] = pfx, ["HiNas:CertificatePassword"] = "secret", ["HiNas:Jobs:ApiKey"] = TestServerHost.Key,
            });
            builder.Logging.ClearProviders();
        });
        await app.StartAsync();
        try
        {
            var address = Assert.Single(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses);
            Assert.StartsWith("https://127.0.0.1:", address);
            var handler = new SocketsHttpHandler();
            handler.SslOptions.RemoteCertificateValidationCallback = (_, presented, _, _) => presented?.GetCertHashString() == certificate.GetCertHashString();
            using var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler });
            var models = await new Protocol.V1.Restoration.RestorationClient(channel).ListModelsAsync(new ListModelsRequest());
            Assert.Contains(models.Models, m => m.Id == "denoise-rgb");
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("MaxInFlightLimit", "0")]
    [InlineData("OrtGraphOptimization", "7")]
    [InlineData("OrtThreads", "-1")]
    [InlineData("OrtGraphOptimization", "fastest")]
    [InlineData("MaxTilePixels", "1000")]
    public void BadConfiguration_StopsTheStart_NamingTheSetting(string setting, string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => ServerApp.Build(Array.Empty<string>(), builder =>
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["HiNas:StateFolder"] = TestServerHost.TempFolder(), [$"HiNas:{setting}"] = value })));
        Assert.Contains($"HiNas:{setting}", error.Message);
    }

    [Theory]
    [InlineData("MaxTileSide")] // renamed: MaxTilePixels
    [InlineData("MaxInflight")]
    public void AnUnknownSetting_StopsTheStart_NamingIt(string setting)
    {
        var error = Assert.Throws<InvalidOperationException>(() => ServerApp.Build(Array.Empty<string>(), builder =>
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["HiNas:StateFolder"] = TestServerHost.TempFolder(), [$"HiNas:{setting}"] = "512" })));
        Assert.StartsWith("configuration HiNas: ", error.Message);
        Assert.Contains($"'{setting}'", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  short-key \n")]
    public void AnEmptyOrShortApiKeyFile_StopsTheStart(string content)
    {
        var state = TestServerHost.TempFolder();
        File.WriteAllText(Path.Combine(state, Access.ApiKey.FileName), content);
        var error = Assert.Throws<InvalidOperationException>(() => ServerApp.Build(Array.Empty<string>(), builder =>
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["HiNas:StateFolder"] = state, ["HiNas:HttpUrl"] = "" })));
        Assert.Contains(Path.Combine(state, Access.ApiKey.FileName), error.Message);
        Assert.Contains("use at least 16", error.Message);
    }

    [Fact]
    public async Task AGeneratedApiKey_IsKeptOwnerOnly_AndUsedOnTheNextStart()
    {
        var state = TestServerHost.TempFolder();
        var settings = new Dictionary<string, string?> { ["HiNas:StateFolder"] = state, ["HiNas:HttpUrl"] = "" };
        await using (ServerApp.Build(Array.Empty<string>(), builder => builder.Configuration.AddInMemoryCollection(settings))) { }
        var path = Path.Combine(state, Access.ApiKey.FileName);
        var key = File.ReadAllText(path);
        Assert.True(key.Length >= 16);
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Empty(Directory.GetFiles(state, "*.tmp"));
        await using var second = ServerApp.Build(Array.Empty<string>(), builder => builder.Configuration.AddInMemoryCollection(settings));
        Assert.True(second.Services.GetRequiredService<Access.ApiKey>().Matches(key));
        Assert.False(second.Services.GetRequiredService<Access.ApiKey>().Matches(key + "x"));
    }

    [Fact]
    public async Task StreamCancelledByTheClient_EndsOnTheServer_AndTheServerKeepsServing()
    {
        await using var host = await TestServerHost.StartAsync();
        var pixels = TestFrames.Rgba(32, 32, 128, 9);
        using (var cts = new CancellationTokenSource())
        {
            using var call = host.Restoration.RestoreStream(cancellationToken: cts.Token);
            await call.RequestStream.WriteAsync(TestFrames.Config("denoise-rgb", 2, OverloadPolicy.Queue));
            for (var i = 0; i < 3; i++) await call.RequestStream.WriteAsync(new RestoreStreamRequest { Frame = TestFrames.StreamFrame((ulong)i, 32, 32, 128, pixels) });
            cts.Cancel(); // the client vanishes without reading or completing
        }
        var metrics = host.App.Services.GetRequiredService<Observability.ServerMetrics>();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (metrics.ActiveStreams.Value > 0 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.Equal(0, metrics.ActiveStreams.Value);
        var ok = await host.Restoration.RestoreAsync(new RestoreRequest
        {
            ModelId = "denoise-rgb",
            Frame = new RawFrame { Width = 32, Height = 32, Stride = 128, Format = PixelFormat.Rgba8, Pixels = Google.Protobuf.ByteString.CopyFrom(pixels) },
        });
        Assert.Equal(4096, ok.Frame.Pixels.Length);
    }
}
