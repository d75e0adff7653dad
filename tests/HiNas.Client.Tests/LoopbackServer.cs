using System.Net;
using System.Net.Sockets;
using HiNas.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HiNas.Client.Tests;

/// <summary>The real server on Kestrel, 127.0.0.1, fixed ports (so that it can be restarted in place).</summary>
public sealed class LoopbackServer : IAsyncDisposable
{
    public const string Key = "client-tests-api-key-0123";

    private WebApplication? _app;
    private readonly IDictionary<string, string?>? _settings;

    private LoopbackServer(string state, int grpcPort, int httpPort, IDictionary<string, string?>? settings)
    {
        StateFolder = state;
        GrpcPort = grpcPort;
        HttpPort = httpPort;
        _settings = settings;
    }

    public string StateFolder { get; }
    public int GrpcPort { get; }
    public int HttpPort { get; }
    public Uri GrpcAddress => new($"http://127.0.0.1:{GrpcPort}");
    public Uri HttpAddress => new($"http://127.0.0.1:{HttpPort}");
    public string ModelsFolder => Path.Combine(StateFolder, "models");

    public HiNas.Client.HiNasClientOptions Options(bool grpcWeb = false) => new()
    {
        Address = grpcWeb ? HttpAddress : GrpcAddress, UseGrpcWeb = grpcWeb, ApiKey = Key,
    };

    public static string TempFolder()
    {
        var dir = Path.Combine(Path.GetTempPath(), "hinas-client-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// Starts on two free ports; when another process takes one between <see cref="FreePort"/> and the bind (test
    /// projects run in parallel), on two others.
    /// </summary>
    public static async Task<LoopbackServer> StartAsync(string? state = null, IDictionary<string, string?>? settings = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            var server = new LoopbackServer(state ?? TempFolder(), FreePort(), FreePort(), settings);
            try
            {
                await server.StartAgainAsync();
                return server;
            }
            catch (IOException e) when (attempt < 5 && e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
            {
                if (server._app is { } app) await app.DisposeAsync();
                server._app = null;
            }
        }
    }

    /// <summary>Starts (again) on the same ports and state folder.</summary>
    public async Task StartAgainAsync()
    {
        var values = new Dictionary<string, string?>
        {
            ["HiNas:StateFolder"] = StateFolder,
            ["HiNas:GrpcUrl"] = GrpcAddress.ToString(),
            ["HiNas:HttpUrl"] = HttpAddress.ToString(),
            ["HiNas:Jobs:ApiKey"] = Key,
            ["HiNas:Jobs:WorkerThreads"] = "2",
            ["HiNas:Jobs:Device"] = "cpu",
        };
        if (_settings is not null)
            foreach (var (k, v) in _settings) values[k] = v;
        _app = ServerApp.Build(Array.Empty<string>(), builder =>
        {
            builder.Configuration.AddInMemoryCollection(values);
            builder.Logging.ClearProviders();
        });
        await _app.StartAsync();
    }

    public async Task StopAsync()
    {
        if (_app is null) return;
        await _app.StopAsync();
        await _app.DisposeAsync();
        _app = null;
    }

    public T Service<T>() where T : notnull => _app!.Services.GetRequiredService<T>();

    public async ValueTask DisposeAsync() => await StopAsync();
}
