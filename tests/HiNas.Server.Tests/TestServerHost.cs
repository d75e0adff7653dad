using Grpc.Core;
using Grpc.Net.Client;
using HiNas.Protocol.V1;
using HiNas.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace HiNas.Server.Tests;

/// <summary>The real server on an in-process TestServer, with its own state folder, and clients for it.</summary>
public sealed class TestServerHost : IAsyncDisposable
{
    public const string Key = "test-api-key-0123456789";

    private TestServerHost(WebApplication app, string state)
    {
        App = app;
        StateFolder = state;
        var server = app.GetTestServer();
        Channel = GrpcChannel.ForAddress(server.BaseAddress, new GrpcChannelOptions
        {
            HttpHandler = server.CreateHandler(), MaxReceiveMessageSize = null, MaxSendMessageSize = null,
        });
        Http = server.CreateClient();
        Restoration = new Protocol.V1.Restoration.RestorationClient(Channel);
        Jobs = new Protocol.V1.Jobs.JobsClient(Channel);
    }

    public WebApplication App { get; }
    public string StateFolder { get; }
    public string ModelsFolder => Path.Combine(StateFolder, "models");
    public string DataFolder => Path.Combine(StateFolder, "data");
    public GrpcChannel Channel { get; }
    public HttpClient Http { get; }
    public Protocol.V1.Restoration.RestorationClient Restoration { get; }
    public Protocol.V1.Jobs.JobsClient Jobs { get; }

    public static Metadata Auth(string key = Key) => new() { { "authorization", $"Bearer {key}" } };

    public static string TempFolder()
    {
        var dir = Path.Combine(Path.GetTempPath(), "hinas-server-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static async Task<TestServerHost> StartAsync(string? state = null, IDictionary<string, string?>? settings = null)
    {
        state ??= TempFolder();
        var values = new Dictionary<string, string?>
        {
            ["HiNas:StateFolder"] = state,
            ["HiNas:HttpUrl"] = "",
            ["HiNas:Jobs:ApiKey"] = Key,
            ["HiNas:Jobs:WorkerThreads"] = "2",
            ["HiNas:Jobs:Device"] = "cpu",
        };
        if (settings is not null)
            foreach (var (k, v) in settings) values[k] = v;
        var app = ServerApp.Build(Array.Empty<string>(), builder =>
        {
            builder.WebHost.UseTestServer();
            builder.Configuration.AddInMemoryCollection(values);
            builder.Logging.ClearProviders();
        });
        await app.StartAsync();
        return new TestServerHost(app, state);
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
