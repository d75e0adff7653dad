using Grpc.Core;
using Grpc.Core.Interceptors;
using HiNas.Server.Rpc;

namespace HiNas.Server.Jobs;

/// <summary>Refuses Jobs calls without `authorization: Bearer KEY` metadata carrying the server's <see cref="ApiKey"/> (UNAUTHENTICATED).</summary>
public sealed class ApiKeyInterceptor(ApiKey key) : Interceptor
{
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

    private void Check(ServerCallContext context)
    {
        var header = context.RequestHeaders.GetValue("authorization");
        if (string.IsNullOrEmpty(header)) throw RpcErrors.Unauthenticated("the Jobs service needs the metadata 'authorization: Bearer <API key>'");
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) throw RpcErrors.Unauthenticated("authorization: expected 'Bearer <API key>'");
        if (!key.Matches(header[scheme.Length..].Trim())) throw RpcErrors.Unauthenticated("authorization: the API key is wrong");
    }
}
