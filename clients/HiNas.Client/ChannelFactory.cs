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
