using System.Diagnostics;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace HiNas.Server.Observability;

/// <summary>
/// Logs every call (method, status, duration) with structured templates, counts non-OK statuses, and turns an
/// unexpected exception into INTERNAL with its message (logged with the stack) instead of an anonymous UNKNOWN.
/// </summary>
public sealed class CallLoggingInterceptor(ILogger<CallLoggingInterceptor> logger, ServerMetrics metrics) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            var response = await continuation(request, context);
            logger.LogDebug("{Method} OK in {Milliseconds:F1} ms", context.Method, clock.Elapsed.TotalMilliseconds);
            return response;
        }
        catch (Exception e)
        {
            throw Translate(e, context, clock);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            await continuation(request, responseStream, context);
            logger.LogDebug("{Method} stream ended OK after {Milliseconds:F1} ms", context.Method, clock.Elapsed.TotalMilliseconds);
        }
        catch (Exception e)
        {
            throw Translate(e, context, clock);
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            await continuation(requestStream, responseStream, context);
            logger.LogDebug("{Method} stream ended OK after {Milliseconds:F1} ms", context.Method, clock.Elapsed.TotalMilliseconds);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException && e is not RpcException)
        {
            // the client reset the stream or dropped the connection while the server read from it: the call is over
            throw Translate(new OperationCanceledException("the client went away", e), context, clock, clientGone: true);
        }
        catch (Exception e)
        {
            throw Translate(e, context, clock);
        }
    }

    private Exception Translate(Exception e, ServerCallContext context, Stopwatch clock, bool clientGone = false)
    {
        // the client went away (cancelled, reset the stream or dropped the connection): whatever the exception, it is that
        if ((clientGone || context.CancellationToken.IsCancellationRequested) && e is not RpcException)
        {
            metrics.RpcErrors.WithLabels(context.Method, nameof(StatusCode.Cancelled)).Inc();
            logger.LogDebug("{Method} cancelled by the client after {Milliseconds:F1} ms", context.Method, clock.Elapsed.TotalMilliseconds);
            return e;
        }
        if (e is RpcException rpc)
        {
            metrics.RpcErrors.WithLabels(context.Method, rpc.StatusCode.ToString()).Inc();
            logger.LogInformation("{Method} failed with {Code}: {Detail}", context.Method, rpc.StatusCode, rpc.Status.Detail);
            return rpc;
        }
        metrics.RpcErrors.WithLabels(context.Method, nameof(StatusCode.Internal)).Inc();
        logger.LogError(e, "{Method} failed unexpectedly", context.Method);
        return new RpcException(new Status(StatusCode.Internal, "internal error (the server logged it)"));
    }
}
