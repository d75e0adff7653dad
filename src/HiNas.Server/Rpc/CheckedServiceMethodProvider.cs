using System.Reflection;
using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;

namespace HiNas.Server.Rpc;

/// <summary>
/// Binds every gRPC service (ours, health, reflection) as the generated code describes it, but with a request
/// deserializer that answers bytes that are not the method's message with INVALID_ARGUMENT naming the message type
/// (the default answers UNKNOWN "Exception was thrown by handler" and logs a stack trace for each). Deserialization
/// comes before interceptors, so a garbled request is refused before any authentication work. Replaces grpc-dotnet's
/// default binder provider; handlers are the service's methods, found by name as that provider finds them.
/// </summary>
public sealed class CheckedServiceMethodProvider<TService>(UndecodableRequests undecodable) : IServiceMethodProvider<TService> where TService : class
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TService> context)
    {
        var bind = FindBindMethod(typeof(TService));
        if (bind is null) return;
        bind.Invoke(null, new object?[] { new Binder(context, undecodable), null });
    }

    /// <summary>The generated static BindService(ServiceBinderBase, TServiceBase) named by [BindServiceMethod] on a base type.</summary>
    private static MethodInfo? FindBindMethod(Type service)
    {
        for (var type = service; type is not null; type = type.BaseType)
            if (type.GetCustomAttribute<BindServiceMethodAttribute>() is { } attribute)
                return attribute.BindType.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
                    .FirstOrDefault(m => m.Name == attribute.BindMethodName && m.GetParameters().Length == 2 && m.GetParameters()[0].ParameterType == typeof(ServiceBinderBase));
        return null;
    }

    private sealed class Binder(ServiceMethodProviderContext<TService> context, UndecodableRequests undecodable) : ServiceBinderBase
    {
        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
        {
            var (invoker, metadata) = Handler<UnaryServerMethod<TService, TRequest, TResponse>>(method, typeof(TRequest), typeof(ServerCallContext));
            context.AddUnaryMethod(Checked(method), metadata, invoker);
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler)
        {
            var (invoker, metadata) = Handler<ClientStreamingServerMethod<TService, TRequest, TResponse>>(method, typeof(IAsyncStreamReader<TRequest>), typeof(ServerCallContext));
            context.AddClientStreamingMethod(Checked(method), metadata, invoker);
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler)
        {
            var (invoker, metadata) = Handler<ServerStreamingServerMethod<TService, TRequest, TResponse>>(method, typeof(TRequest), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext));
            context.AddServerStreamingMethod(Checked(method), metadata, invoker);
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler)
        {
            var (invoker, metadata) = Handler<DuplexStreamingServerMethod<TService, TRequest, TResponse>>(method, typeof(IAsyncStreamReader<TRequest>), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext));
            context.AddDuplexStreamingMethod(Checked(method), metadata, invoker);
        }

        /// <summary>
        /// The service's own method for the RPC, as an open-instance delegate (the service instance is the first argument),
        /// and the endpoint's metadata as grpc-dotnet's binder gives it: the service's and the method's attributes, and
        /// POST only (with CORS preflight).
        /// </summary>
        private static (TDelegate Invoker, List<object> Metadata) Handler<TDelegate>(IMethod method, params Type[] parameters) where TDelegate : Delegate
        {
            var info = typeof(TService).GetMethod(method.Name, BindingFlags.Public | BindingFlags.Instance, parameters)
                ?? throw new InvalidOperationException($"{typeof(TService).Name} has no method {method.Name} for {method.FullName}");
            var metadata = new List<object>();
            metadata.AddRange(typeof(TService).GetCustomAttributes(inherit: true));
            metadata.AddRange(info.GetCustomAttributes(inherit: true));
            metadata.Add(new Microsoft.AspNetCore.Routing.HttpMethodMetadata(new[] { "POST" }, acceptCorsPreflight: true));
            return ((TDelegate)Delegate.CreateDelegate(typeof(TDelegate), info), metadata);
        }

        private Method<TRequest, TResponse> Checked<TRequest, TResponse>(Method<TRequest, TResponse> method)
        {
            var deserialize = method.RequestMarshaller.ContextualDeserializer;
            var name = typeof(TRequest).Name;
            var marshaller = Marshallers.Create<TRequest>(method.RequestMarshaller.ContextualSerializer, context =>
            {
                try
                {
                    return deserialize(context);
                }
                catch (InvalidProtocolBufferException)
                {
                    undecodable.Report(method.FullName, name);
                    throw new RpcException(new Status(StatusCode.InvalidArgument, $"request: the bytes are not a {name} message"));
                }
            });
            return new Method<TRequest, TResponse>(method.Type, method.ServiceName, method.Name, marshaller, method.ResponseMarshaller);
        }
    }
}
