using System.Diagnostics;
using Google.Protobuf;
using Grpc.Core;
using HiNas.Imaging.IO;
using HiNas.Protocol.V1;
using HiNas.Server.Hosting;
using HiNas.Server.Observability;
using HiNas.Server.Rpc;
using Microsoft.Extensions.Logging;
using ProtoRestoration = HiNas.Protocol.V1.Restoration;

namespace HiNas.Server.Restoration;

/// <summary>The Restoration service: translates between the wire and <see cref="FrameRestorer"/>.</summary>
public sealed class RestorationService(FrameRestorer restorer, ServerMetrics metrics, ServerPaths paths, ILogger<RestorationService> logger) : ProtoRestoration.RestorationBase
{
    public override Task<ListModelsResponse> ListModels(ListModelsRequest request, ServerCallContext context)
    {
        var response = new ListModelsResponse();
        response.Models.AddRange(restorer.Repository.List().Select(m => m.ToMessage()));
        response.Problems.AddRange(restorer.Repository.Problems.Select(p => new ModelProblem
        {
            Folder = paths.ModelFolder(p.Key, restorer.Repository.Folder), Reason = paths.Redact(p.Value),
        }));
        return Task.FromResult(response);
    }

    public override Task<Model> GetModel(GetModelRequest request, ServerCallContext context)
    {
        if (string.IsNullOrEmpty(request.ModelId)) throw RpcErrors.Invalid("model_id", "is empty");
        if (!restorer.Repository.TryGetManifest(request.ModelId, out var manifest))
            throw RpcErrors.NotFound("model_id", $"no model '{request.ModelId}'");
        return Task.FromResult(manifest.ToMessage());
    }

    public override async Task<RestoreResponse> Restore(RestoreRequest request, ServerCallContext context)
    {
        var arrived = Stopwatch.GetTimestamp();
        using var slot = restorer.EnterRestore(); // before anything is decoded or converted for this frame
        var lane = UnaryLane(context);
        switch (request.InputCase)
        {
            case RestoreRequest.InputOneofCase.Frame:
            {
                var frame = request.Frame;
                var format = frame.Format.ToDomain() ?? throw RpcErrors.Invalid("frame.format", $"'{frame.Format}' is not RGBA8, BGRA8, RGB8 or GRAY8");
                var layout = FrameValidation.Check("frame", frame.Width, frame.Height, frame.Stride, format, frame.Pixels.Length, restorer.Options.MaxFramePixels);
                var model = restorer.OpenModel("model_id", request.ModelId);
                var sigma = FrameRestorer.CheckSigma(model, "sigma", request.HasSigma ? request.Sigma : null);
                var restored = await restorer.RestoreFrameAsync(lane, model, frame.Pixels.Memory, layout, sigma, arrived, context.CancellationToken);
                var f = restored.Frame;
                return new RestoreResponse
                {
                    Frame = new RawFrame { Width = (uint)f.Width, Height = (uint)f.Height, Stride = (uint)f.Stride, Format = f.Format.ToMessage(), Pixels = UnsafeByteOperations.UnsafeWrap(f.Pixels) },
                    Timings = Timings(f.Timings, restored.QueueMs, arrived),
                };
            }
            case RestoreRequest.InputOneofCase.Image:
            {
                var model = restorer.OpenModel("model_id", request.ModelId);
                var sigma = FrameRestorer.CheckSigma(model, "sigma", request.HasSigma ? request.Sigma : null);
                var clock = Stopwatch.StartNew();
                Imaging.Pixels.PlanarImage image;
                try
                {
                    image = ImageFile.Decode(request.Image.Data.Span, "image.data", ColorMode.Auto, new ImageLoadOptions { MaxPixels = restorer.Options.MaxFramePixels });
                }
                catch (ImageDecodeException e)
                {
                    throw e.Reason.Contains("exceeds the limit", StringComparison.Ordinal) ? RpcErrors.TooLarge("image.data", e.Reason) : RpcErrors.Invalid("image.data", e.Reason);
                }
                var decodeMs = clock.Elapsed.TotalMilliseconds;
                var (output, timings, queueMs) = await restorer.RestoreImageAsync(lane, model, image, sigma, arrived, context.CancellationToken);
                clock.Restart();
                var png = ImageFile.EncodePng(output);
                return new RestoreResponse
                {
                    Image = new EncodedImage { Data = UnsafeByteOperations.UnsafeWrap(png) },
                    Timings = Timings(timings with { PreprocessMs = decodeMs, PostprocessMs = clock.Elapsed.TotalMilliseconds }, queueMs - decodeMs, arrived),
                };
            }
            default:
                throw RpcErrors.Invalid("input", "give a frame or an image");
        }
    }

    public override async Task RestoreStream(IAsyncStreamReader<RestoreStreamRequest> requestStream, IServerStreamWriter<RestoreStreamResponse> responseStream, ServerCallContext context)
    {
        using var slot = restorer.EnterStream();
        var cancellation = context.CancellationToken;
        if (!await requestStream.MoveNext(cancellation)) return;
        var first = requestStream.Current;
        if (first.MessageCase != RestoreStreamRequest.MessageOneofCase.Config)
            throw RpcErrors.Precondition("config", "the first message of a stream must configure it (model_id, format, max_in_flight, overload_policy)");
        var config = first.Config;
        var format = config.Format.ToDomain() ?? throw RpcErrors.Invalid("config.format", $"'{config.Format}' is not RGBA8, BGRA8, RGB8 or GRAY8");
        var options = restorer.Options;
        if (config.MaxInFlight > options.MaxInFlightLimit)
            throw RpcErrors.Invalid("config.max_in_flight", $"{config.MaxInFlight} is above the server's limit of {options.MaxInFlightLimit}");
        var policy = config.OverloadPolicy switch
        {
            OverloadPolicy.Unspecified or OverloadPolicy.Queue => OverloadPolicy.Queue,
            OverloadPolicy.DropOldest => OverloadPolicy.DropOldest,
            _ => throw RpcErrors.Invalid("config.overload_policy", $"'{config.OverloadPolicy}' is not QUEUE or DROP_OLDEST"),
        };
        if (policy == OverloadPolicy.Queue && config.MaxLatencyMs != 0)
            throw RpcErrors.Invalid("config.max_latency_ms", $"{config.MaxLatencyMs} is set on a QUEUE stream, which answers every frame; a deadline needs DROP_OLDEST");
        if (config.MaxLatencyMs > ServerOptions.MaxLatencyLimitMs)
            throw RpcErrors.Invalid("config.max_latency_ms", $"{config.MaxLatencyMs} is above the limit of {ServerOptions.MaxLatencyLimitMs} ms");
        var model = restorer.OpenModel("config.model_id", config.ModelId);
        var sigma = FrameRestorer.CheckSigma(model, "config.sigma", config.HasSigma ? config.Sigma : null);
        var maxInFlight = config.MaxInFlight == 0 ? options.DefaultMaxInFlight : (int)config.MaxInFlight;
        var maxLatencyMs = policy == OverloadPolicy.Queue ? 0 : config.MaxLatencyMs == 0 ? options.DefaultMaxLatencyMs : (int)config.MaxLatencyMs;

        await responseStream.WriteAsync(new RestoreStreamResponse
        {
            Accepted = new StreamAccepted { Model = model.Manifest.ToMessage(), MaxInFlight = (uint)maxInFlight, OverloadPolicy = policy, MaxLatencyMs = (uint)maxLatencyMs },
        }, cancellation);
        var stream = new FrameStream(restorer, model, format, new StreamPolicy(maxInFlight, policy == OverloadPolicy.DropOldest, maxLatencyMs), metrics, logger, sigma);
        metrics.ActiveStreams.Inc();
        logger.LogInformation("stream opened: model {Model}, {Format}, max in flight {MaxInFlight}, {Policy}, max latency {MaxLatencyMs} ms", model.Id, format, maxInFlight, policy, maxLatencyMs);
        try
        {
            await stream.RunAsync(requestStream, responseStream, cancellation);
        }
        finally
        {
            metrics.ActiveStreams.Dec();
            logger.LogInformation("stream closed: model {Model}, {Dropped} frame(s) dropped", model.Id, stream.Dropped);
        }
    }

    /// <summary>A connection's unary calls share one lane at the engine (a stream has its own).</summary>
    private static string UnaryLane(ServerCallContext context) => "unary/" + (context.GetHttpContext()?.Connection.Id ?? context.Peer);

    private static StageTimings Timings(Inference.Engine.StageTimings t, double queueMs, long arrived) => new()
    {
        QueueMs = Math.Max(0, queueMs), PreprocessMs = t.PreprocessMs, InferenceMs = t.InferenceMs, PostprocessMs = t.PostprocessMs,
        TotalMs = Stopwatch.GetElapsedTime(arrived).TotalMilliseconds,
    };
}
