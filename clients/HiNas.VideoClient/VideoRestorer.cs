using System.Diagnostics;
using Grpc.Core;
using HiNas.Client;
using HiNas.Protocol.V1;

namespace HiNas.VideoClient;

/// <summary>What a run did.</summary>
public sealed record VideoSummary(long Frames, long Dropped, double MeanLatencyMs, double P99LatencyMs, double Seconds, int OutputWidth, int OutputHeight)
{
    public double FramesPerSecond => Seconds > 0 ? Frames / Seconds : 0;
}

/// <summary>
/// Decodes the input, streams every frame through RestoreStream (QUEUE: nothing is dropped while the server
/// lives; frames in flight across a server restart are sent again) and encodes the results in order.
/// </summary>
public static class VideoRestorer
{
    /// <summary>Progress: frames done, frames expected (when known), frames per second so far.</summary>
    public delegate void ProgressCallback(long done, long? total, double fps);

    public static async Task<VideoSummary> RunAsync(VideoOptions options, ProgressCallback? progress, CancellationToken cancellation)
    {
        if (File.Exists(options.Output) && !options.Overwrite) throw new VideoClientException($"output '{options.Output}' exists (use --overwrite to replace it)");
        var probe = await VideoProbe.RunAsync(Ffmpeg.ProbePath(options.Ffmpeg), options.Input, cancellation);

        using var client = new RestorationClient(new HiNasClientOptions { Address = options.Server, ApiKey = options.Key });
        Model model;
        try
        {
            model = await client.GetModelAsync(options.ModelId, cancellation);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
        {
            throw new VideoClientException($"cannot reach the server at {options.Server} ({e.Status.Detail})");
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            var known = string.Join(", ", (await client.ListModelsAsync(cancellation)).Select(m => m.Id));
            throw new VideoClientException($"the server has no model '{options.ModelId}' (it serves: {known})");
        }
        if (options.Task is { } task && task != model.Task) throw new VideoClientException($"model '{model.Id}' is a {model.Task} model, not {task}");
        var (outWidth, outHeight) = (probe.Width * model.Scale, probe.Height * model.Scale);

        var room = new SemaphoreSlim(0);
        await using var stream = await client.OpenStreamAsync(new RestorationStreamOptions
        {
            ModelId = model.Id, Format = PixelFormat.Rgba8, MaxInFlight = options.MaxInFlight, Policy = OverloadPolicy.Queue, Sigma = options.Sigma,
            ResultBufferSize = 4 * options.MaxInFlight + 16, OnResult = _ => room.Release(),
        }, cancellation);
        using var decoder = new FrameDecoder(options.Ffmpeg, options.Input, probe.Width, probe.Height);
        using var encoder = new FrameEncoder(options, probe, outWidth, outHeight);
        var clock = Stopwatch.StartNew();
        var latencies = new List<double>();
        long written = 0, dropped = 0;

        var writing = Task.Run(async () =>
        {
            byte[]? previous = null;
            await foreach (var result in stream.ReadResultsAsync(cancellation))
            {
                if (result.IsRestored)
                {
                    previous = result.Pixels.ToArray();
                    latencies.Add(result.RoundTripMs);
                }
                else dropped++; // only when the stream failed: keep the timing by repeating the last frame
                await encoder.WriteAsync(previous ?? new byte[outWidth * outHeight * 4], cancellation);
                written++;
                progress?.Invoke(written, probe.FrameCount, written / clock.Elapsed.TotalSeconds);
            }
        }, cancellation);

        var frame = new byte[decoder.FrameBytes];
        while (await decoder.ReadAsync(frame, cancellation))
        {
            while (!stream.TrySubmit(frame, probe.Width, probe.Height, probe.Width * 4, PixelFormat.Rgba8))
            {
                if (stream.Error is { } error) throw new VideoClientException($"the stream failed: {error}");
                await room.WaitAsync(TimeSpan.FromMilliseconds(100), cancellation);
            }
        }
        try
        {
            await stream.CompleteAsync(cancellation);
        }
        catch (InvalidOperationException e)
        {
            throw new VideoClientException(e.Message);
        }
        await writing;
        await encoder.FinishAsync(cancellation);
        var sorted = latencies.Order().ToArray();
        return new VideoSummary(written, dropped, sorted.Length > 0 ? sorted.Average() : 0, sorted.Length > 0 ? sorted[Math.Max(0, (int)Math.Ceiling(0.99 * sorted.Length) - 1)] : 0,
            clock.Elapsed.TotalSeconds, outWidth, outHeight);
    }
}
