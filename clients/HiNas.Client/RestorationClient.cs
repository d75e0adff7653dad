using Google.Protobuf;
using Grpc.Net.Client;
using HiNas.Protocol.V1;

namespace HiNas.Client;

/// <summary>
/// Frame and image restoration: the served models, one-off restores, and streams for render loops and video.
/// Calls fail with <see cref="Grpc.Core.RpcException"/> whose status says what was wrong (INVALID_ARGUMENT with the
/// field, NOT_FOUND for an unknown model, UNAVAILABLE when the server cannot be reached).
/// </summary>
public sealed class RestorationClient : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly Restoration.RestorationClient _client;

    /// <summary>A client for the server in <paramref name="options"/> (it owns its channel).</summary>
    public RestorationClient(HiNasClientOptions options)
    {
        _channel = ChannelFactory.Create(options);
        _client = new Restoration.RestorationClient(_channel);
    }

    /// <summary>The models the server serves.</summary>
    public async Task<IReadOnlyList<Model>> ListModelsAsync(CancellationToken cancellation = default)
    {
        var response = await _client.ListModelsAsync(new ListModelsRequest(), cancellationToken: cancellation).ConfigureAwait(false);
        return response.Models.ToList();
    }

    /// <summary>One model's description (NOT_FOUND for an unknown id).</summary>
    public Task<Model> GetModelAsync(string modelId, CancellationToken cancellation = default) =>
        _client.GetModelAsync(new GetModelRequest { ModelId = modelId }, cancellationToken: cancellation).ResponseAsync;

    /// <summary>
    /// Restores one raw frame (stride 0: tightly packed rows). The frame's bytes are sent without a copy; a longer buffer
    /// is cut to them (the server takes exactly a frame's bytes). <paramref name="sigma"/>: the frame's noise σ (0: clean)
    /// for a denoiser that takes it (<see cref="Model.TakesNoiseLevel"/>); null = the model's own.
    /// </summary>
    public async Task<RestoredFrame> RestoreAsync(string modelId, ReadOnlyMemory<byte> pixels, int width, int height, int stride, PixelFormat format,
        CancellationToken cancellation = default, double? sigma = null)
    {
        if (width <= 0 || height <= 0 || stride < 0) throw new ArgumentException($"invalid frame geometry {width}×{height}, stride {stride}");
        var row = (long)width * RestorationStreamOptions.BytesPerPixel(format);
        var needed = (long)(height - 1) * (stride == 0 ? row : stride) + row;
        if (stride != 0 && stride < row) throw new ArgumentException($"stride {stride} is smaller than a row ({row} bytes)", nameof(stride));
        if (pixels.Length < needed) throw new ArgumentException($"{pixels.Length} bytes is less than the {needed} a {width}×{height} frame with stride {stride} needs", nameof(pixels));
        pixels = pixels.Slice(0, (int)needed);
        var request = new RestoreRequest
        {
            ModelId = modelId,
            Frame = new RawFrame { Width = (uint)width, Height = (uint)height, Stride = (uint)stride, Format = format, Pixels = UnsafeByteOperations.UnsafeWrap(pixels) },
        };
        if (sigma is { } s) request.Sigma = s;
        var response = await _client.RestoreAsync(request, cancellationToken: cancellation).ConfigureAwait(false);
        return new RestoredFrame(response.Frame, response.Timings);
    }

    /// <summary>Restores an encoded PNG, JPEG or BMP image; returns the restored image as PNG bytes.</summary>
    public async Task<byte[]> RestoreImageAsync(string modelId, ReadOnlyMemory<byte> encoded, CancellationToken cancellation = default, double? sigma = null)
    {
        var request = new RestoreRequest { ModelId = modelId, Image = new EncodedImage { Data = UnsafeByteOperations.UnsafeWrap(encoded) } };
        if (sigma is { } s) request.Sigma = s;
        var response = await _client.RestoreAsync(request,
            cancellationToken: cancellation).ConfigureAwait(false);
        return response.Image.Data.ToByteArray();
    }

    /// <summary>
    /// Opens a stream and waits until the server has accepted its configuration (unknown model, bad format and
    /// an unreachable server fail here). Dispose it (or <see cref="RestorationStream.CompleteAsync"/>) when done.
    /// </summary>
    public async Task<RestorationStream> OpenStreamAsync(RestorationStreamOptions options, CancellationToken cancellation = default)
    {
        if (options is null) throw new ArgumentNullException(nameof(options));
        options.Validate();
        var stream = new RestorationStream(_client, options);
        try
        {
            await stream.StartAsync(cancellation).ConfigureAwait(false);
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return stream;
    }

    /// <summary>Closes the channel (open streams end).</summary>
    public void Dispose() => _channel.Dispose();
}
