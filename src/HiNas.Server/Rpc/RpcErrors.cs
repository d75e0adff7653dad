using Grpc.Core;

namespace HiNas.Server.Rpc;

/// <summary>Statuses whose message names the request field that is wrong.</summary>
public static class RpcErrors
{
    public static RpcException Invalid(string field, string message) => new(new Status(StatusCode.InvalidArgument, $"{field}: {message}"));

    public static RpcException NotFound(string field, string message) => new(new Status(StatusCode.NotFound, $"{field}: {message}"));

    public static RpcException TooLarge(string field, string message) => new(new Status(StatusCode.ResourceExhausted, $"{field}: {message}"));

    public static RpcException Precondition(string field, string message) => new(new Status(StatusCode.FailedPrecondition, $"{field}: {message}"));

    public static RpcException AlreadyExists(string field, string message) => new(new Status(StatusCode.AlreadyExists, $"{field}: {message}"));

    public static RpcException Unauthenticated(string message) => new(new Status(StatusCode.Unauthenticated, message));
}
