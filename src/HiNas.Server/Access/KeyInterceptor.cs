using Grpc.Core;
using Grpc.Core.Interceptors;
using HiNas.Server.Hosting;
using HiNas.Server.Rpc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HiNas.Server.Access;

/// <summary>Refuses calls without `authorization: Bearer KEY` metadata carrying one of the accepted keys (UNAUTHENTICATED), on every kind of call.</summary>
public abstract class KeyInterceptor : Interceptor
{
    /// <summary>The keys that open the service; empty: the service is open.</summary>
    protected abstract IReadOnlyList<AccessKey> Keys { get; }

    protected abstract string Service { get; }

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(request, responseStream, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(requestStream, context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(requestStream, responseStream, context);
    }

    private void Check(ServerCallContext context)
    {
        var keys = Keys;
        if (keys.Count == 0) return;
        var header = context.RequestHeaders.GetValue("authorization");
        if (string.IsNullOrEmpty(header)) throw RpcErrors.Unauthenticated($"the {Service} service needs the metadata 'authorization: Bearer <key>'");
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) throw RpcErrors.Unauthenticated("authorization: expected 'Bearer <key>'");
        var presented = header[scheme.Length..].Trim();
        if (!keys.Any(k => k.Matches(presented))) throw RpcErrors.Unauthenticated("authorization: the key is wrong");
    }
}

/// <summary>The Jobs service: the API key.</summary>
public sealed class ApiKeyInterceptor(ApiKey key) : KeyInterceptor
{
    protected override IReadOnlyList<AccessKey> Keys { get; } = new[] { key };
    protected override string Service => "Jobs";
}

/// <summary>The Restoration service: the restoration key or the API key, when a key is required; open otherwise.</summary>
public sealed class RestorationKeyInterceptor(IServiceProvider services, IOptions<ServerOptions> options) : KeyInterceptor
{
    protected override IReadOnlyList<AccessKey> Keys { get; } = options.Value.RestorationKeyRequired
        ? new AccessKey[] { services.GetRequiredService<RestorationKey>(), services.GetRequiredService<ApiKey>() }
        : Array.Empty<AccessKey>();

    protected override string Service => "Restoration";
}
