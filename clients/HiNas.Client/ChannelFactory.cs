using System;
using System.Net;
using System.Net.Http;
using Grpc.Net.Client;
using Grpc.Net.Client.Web;

namespace HiNas.Client;

/// <summary>One GrpcChannel per client, built from <see cref="HiNasClientOptions"/>.</summary>
internal static class ChannelFactory
{
    public static GrpcChannel Create(HiNasClientOptions options)
    {
        if (options is null) throw new ArgumentNullException(nameof(options));
        options.Validate();
        var handler = options.HttpHandler ?? DefaultHandler();
        if (!string.IsNullOrEmpty(options.ApiKey)) handler = new AuthorizationHandler(options.ApiKey!, handler);
        if (options.UseGrpcWeb) handler = new GrpcWebHandler(GrpcWebMode.GrpcWeb, handler);
        var channelOptions = new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxReceiveMessageSize = options.MaxMessageBytes,
            MaxSendMessageSize = options.MaxMessageBytes,
        };
        if (options.UseGrpcWeb)
        {
            channelOptions.HttpVersion = HttpVersion.Version11;
#if NET5_0_OR_GREATER
            channelOptions.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
#endif
        }
        return GrpcChannel.ForAddress(options.Address, channelOptions);
    }

    /// <summary>Sends `authorization: Bearer KEY` with every call (Jobs, and Restoration when the server requires a key).</summary>
    private sealed class AuthorizationHandler : DelegatingHandler
    {
        private readonly string _value;

        public AuthorizationHandler(string key, HttpMessageHandler inner) : base(inner) => _value = "Bearer " + key;

        protected override System.Threading.Tasks.Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, System.Threading.CancellationToken cancellationToken)
        {
            request.Headers.TryAddWithoutValidation("authorization", _value);
            return base.SendAsync(request, cancellationToken);
        }
    }

    private static HttpMessageHandler DefaultHandler()
    {
#if NET5_0_OR_GREATER
        return new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            InitialHttp2StreamWindowSize = 8 * 1024 * 1024,
            KeepAlivePingDelay = TimeSpan.FromSeconds(20),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            ConnectTimeout = TimeSpan.FromSeconds(5),
        };
#else
        return new HttpClientHandler();
#endif
    }
}
