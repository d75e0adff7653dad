using System;
using System.Net.Http;

namespace HiNas.Client;

/// <summary>Where and how to reach a HiNas.Realtime server.</summary>
public sealed class HiNasClientOptions
{
    /// <summary>The server, e.g. http://127.0.0.1:5080 (h2c) or https://host:5080; for gRPC-Web the HTTP/1.1 endpoint, e.g. http://127.0.0.1:5081.</summary>
    public Uri Address { get; set; } = new Uri("http://127.0.0.1:5080");

    /// <summary>
    /// An HTTP handler to send calls through (engines that bring their own HTTP/2 stack). The client takes
    /// ownership and disposes it. Default: a SocketsHttpHandler (net10.0) or HttpClientHandler (netstandard2.1).
    /// </summary>
    public HttpMessageHandler? HttpHandler { get; set; }

    /// <summary>
    /// Use gRPC-Web over HTTP/1.1 (for hosts without HTTP/2). Unary and server-streaming calls only:
    /// <see cref="RestorationClient.OpenStreamAsync"/> needs HTTP/2.
    /// </summary>
    public bool UseGrpcWeb { get; set; }

    /// <summary>
    /// The key sent with every call as `authorization: Bearer KEY`: the Jobs service's API key, or, for a server that
    /// requires a key for Restoration (one listening beyond loopback), its restoration key.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>Largest message accepted or sent; default 256 MiB (a restored 4K RGBA frame is 33 MB).</summary>
    public int MaxMessageBytes { get; set; } = 256 * 1024 * 1024;

    internal void Validate()
    {
        if (Address is null || !Address.IsAbsoluteUri || (Address.Scheme != "http" && Address.Scheme != "https"))
            throw new ArgumentException($"Address must be an absolute http:// or https:// URL, got '{Address}'", nameof(Address));
        if (MaxMessageBytes < 1024) throw new ArgumentOutOfRangeException(nameof(MaxMessageBytes), MaxMessageBytes, "must be at least 1024");
    }
}
