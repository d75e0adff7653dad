using System.Security.Cryptography.X509Certificates;
using Grpc.AspNetCore.Server;
using Grpc.AspNetCore.Web;
using HiNas.Inference.Engine;
using HiNas.Inference.Repository;
using Grpc.AspNetCore.Server.Model;
using HiNas.Server.Rpc;
using Microsoft.Extensions.DependencyInjection.Extensions;
using HiNas.Server.Jobs;
using HiNas.Server.Jobs.Stages;
using HiNas.Server.Observability;
using HiNas.Server.Restoration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prometheus;

namespace HiNas.Server.Hosting;

/// <summary>Builds the server: configuration, Kestrel endpoints, the DI singletons, and the mapped services.</summary>
public static class ServerApp
{
    /// <summary>
    /// The configured application. <paramref name="configure"/> runs before the services are built (tests use it
    /// to put the server on a TestServer and to set its folders).
    /// </summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        configure?.Invoke(builder);
        ServerOptions options;
        try
        {
            // a setting the server does not know (a typo, or one since renamed: MaxTileSide → MaxTilePixels) stops the start
            options = builder.Configuration.GetSection(ServerOptions.Section).Get<ServerOptions>(b => b.ErrorOnUnknownConfiguration = true) ?? new ServerOptions();
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidOperationException($"configuration {ServerOptions.Section}: {e.Message}", e);
        }
        options.Validate();
        builder.Services.Configure<ServerOptions>(builder.Configuration.GetSection(ServerOptions.Section));
        // Host filtering (ASP.NET Core's middleware): loopback names only while the server is on loopback
        builder.Services.Configure<Microsoft.AspNetCore.HostFiltering.HostFilteringOptions>(o => o.AllowedHosts = options.ResolvedAllowedHosts);

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Limits.Http2.InitialConnectionWindowSize = 16 * 1024 * 1024;
            kestrel.Limits.Http2.InitialStreamWindowSize = 8 * 1024 * 1024;
            kestrel.Limits.Http2.MaxStreamsPerConnection = options.MaxStreamsPerConnection;
            kestrel.Limits.MaxConcurrentConnections = options.MaxConnections;
            kestrel.Limits.MaxConcurrentUpgradedConnections = options.MaxConnections;
            Listen(kestrel, new Uri(options.GrpcUrl), HttpProtocols.Http2, options);
            if (!string.IsNullOrEmpty(options.HttpUrl)) Listen(kestrel, new Uri(options.HttpUrl), HttpProtocols.Http1, options);
        });

        var services = builder.Services;
        services.AddSingleton<ServerMetrics>();
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<ServerOptions>>().Value;
            var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("HiNas.Models");
            if (o.SeedDefaultModels) DefaultModels.Seed(o.ResolvedModelsFolder, logger);
            return new ModelRepository(o.ResolvedModelsFolder, new TileOptions { MaxTilePixels = o.MaxTilePixels }, o.PreferCuda, logger, spinWait: o.OrtSpinWait,
                maxPooledBytes: o.MaxPooledBufferBytes, optimization: o.OrtGraphOptimization, threads: o.ResolvedOrtThreads);
        });
        services.AddSingleton<FrameRestorer>();
        services.AddSingleton<DataRoots>();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<ServerOptions>>().Value.Jobs);
        services.AddSingleton<JobRequests>();
        services.AddSingleton<Rpc.ServerPaths>();
        services.AddSingleton<JobStore>();
        services.AddSingleton<Access.ApiKey>();
        services.AddSingleton<Access.RestorationKey>();
        services.AddSingleton<StageWorker>();
        services.AddSingleton<IStageLauncher, ProfileStage>();
        services.AddSingleton<IStageLauncher, SearchStage>();
        services.AddSingleton<IStageLauncher, TrainStage>();
        services.AddSingleton<IStageLauncher, ExportStage>();
        services.AddSingleton<JobStageMachine>();
        services.AddSingleton<JobRetention>();
        services.AddHostedService(sp => sp.GetRequiredService<JobRetention>());
        services.AddSingleton<JobQueue>();
        services.AddHostedService(sp => sp.GetRequiredService<JobQueue>());

        services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = options.MaxMessageBytes;
            grpc.MaxSendMessageSize = null;
            grpc.EnableDetailedErrors = false;
            grpc.Interceptors.Add<CallLoggingInterceptor>();
        }).AddServiceOptions<JobsService>(o => o.Interceptors.Add<Access.ApiKeyInterceptor>())
          .AddServiceOptions<RestorationService>(o => o.Interceptors.Add<Access.RestorationKeyInterceptor>());
        services.AddGrpcReflection();
        services.AddGrpcHealthChecks().AddCheck<ModelsHealthCheck>("model-repository"); // also behind /healthz
        // every service (ours, health, reflection) bound with a request deserializer that answers garbled bytes with
        // INVALID_ARGUMENT naming the message, in place of grpc-dotnet's binder (UNKNOWN and a stack trace each)
        services.AddSingleton<UndecodableRequests>();
        services.RemoveAll(typeof(IServiceMethodProvider<>));
        services.AddSingleton(typeof(IServiceMethodProvider<>), typeof(CheckedServiceMethodProvider<>));

        var app = builder.Build();
        // gRPC-Web for clients without HTTP/2 (browsers, some game-engine HTTP stacks): unary and server-streaming calls.
        app.UseGrpcWeb(new GrpcWebOptions { DefaultEnabled = true });
        app.MapGrpcService<RestorationService>();
        app.MapGrpcService<JobsService>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        var metrics = app.Services.GetRequiredService<ServerMetrics>();
        app.MapMetrics("/metrics", metrics.Registry);
        app.MapHealthChecks("/healthz");
        app.MapGet("/", () => Results.Text("HiNas.Realtime gRPC server: use a gRPC client (services hinas.v1.Restoration, hinas.v1.Jobs); /metrics, /healthz\n"));

        // Open the repository, the key and the job store now, so that a bad folder fails the start, not the first call.
        app.Services.GetRequiredService<ModelRepository>();
        app.Services.GetRequiredService<Access.ApiKey>();
        if (options.RestorationKeyRequired) app.Services.GetRequiredService<Access.RestorationKey>();
        else if (options.ListensBeyondLoopback)
            app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("HiNas.Access")
                .LogWarning("the server listens beyond loopback and HiNas:RequireRestorationKey is false: anyone who reaches it can restore frames");
        app.Services.GetRequiredService<JobStore>();
        return app;
    }

    private static void Listen(KestrelServerOptions kestrel, Uri url, HttpProtocols protocols, ServerOptions? tls)
    {
        var address = url.Host is "localhost" ? System.Net.IPAddress.Loopback
            : url.Host is "*" or "0.0.0.0" or "+" ? System.Net.IPAddress.Any
            : System.Net.IPAddress.Parse(url.Host);
        kestrel.Listen(address, url.Port, listen =>
        {
            listen.Protocols = protocols;
            if (url.Scheme == "https")
            {
                if (tls?.CertificatePath is not { } path) throw new InvalidOperationException($"{url} is https but HiNas:CertificatePath is not set");
                listen.UseHttps(X509CertificateLoader.LoadPkcs12FromFile(path, tls.CertificatePassword));
            }
        });
    }
}

/// <summary>/healthz: healthy while the repository serves at least one model; degraded when it serves none.</summary>
public sealed class ModelsHealthCheck(ModelRepository repository) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var count = repository.List().Count;
        return Task.FromResult(count > 0
            ? HealthCheckResult.Healthy($"{count} model(s) served")
            : HealthCheckResult.Degraded($"no servable model in {repository.Folder}"));
    }
}
