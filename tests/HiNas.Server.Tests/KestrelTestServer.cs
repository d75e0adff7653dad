using HiNas.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HiNas.Server.Tests;

/// <summary>
/// The real server on Kestrel, its gRPC endpoint on 127.0.0.1 (ephemeral port), its own state folder, the HTTP/1.1
/// endpoint and jobs off unless <c>settings</c> say otherwise; stopped when disposed.
/// </summary>
public sealed class KestrelTestServer : IAsyncDisposable
{
    private KestrelTestServer(WebApplication app) => App = app;

    public WebApplication App { get; }

    /// <summary>The bound addresses, in the order the endpoints were configured (gRPC first).</summary>
    public string[] Addresses => App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.ToArray();

    public static async Task<KestrelTestServer> StartAsync(IDictionary<string, string?>? settings = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["HiNas:StateFolder"] = TestServerHost.TempFolder(), ["HiNas:GrpcUrl"] = "http://127.0.0.1:0", ["HiNas:HttpUrl"] = "",
            ["HiNas:Jobs:ApiKey"] = TestServerHost.Key, ["HiNas:Jobs:Enabled"] = "false",
        };
        if (settings is not null)
            foreach (var (k, v) in settings) values[k] = v;
        var app = ServerApp.Build(Array.Empty<string>(), builder =>
        {
            builder.Configuration.AddInMemoryCollection(values);
            builder.Logging.ClearProviders();
        });
        await app.StartAsync();
        return new KestrelTestServer(app);
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
