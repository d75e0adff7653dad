using System.CommandLine;
using System.Globalization;
using Grpc.Core;
using HiNas.VideoClient;
using Spectre.Console;

// hinas-video INPUT OUTPUT --model ID [--server URL] [--key KEY] [--task denoise|sr] [--max-in-flight N] [--codec C] [--crf N] [--overwrite] [--ffmpeg PATH] [--sigma S]
var input = new Argument<FileInfo>("input") { Description = "any video ffmpeg reads" };
var output = new Argument<FileInfo>("output") { Description = "the restored video (container from the extension, e.g. .mp4 or .mkv)" };
var model = new Option<string>("--model") { Description = "the model id on the server (hinas models list)", Required = true };
var server = new Option<string>("--server") { Description = "the server", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
var task = new Option<string?>("--task") { Description = "denoise or sr: refuse a model of another task" };
task.AcceptOnlyFromAmong("denoise", "sr");
var inFlight = new Option<int>("--max-in-flight") { Description = "frames in flight (1-64)", DefaultValueFactory = _ => 4 };
var codec = new Option<string>("--codec") { Description = "ffmpeg video encoder: libx264 (default), libx265, ffv1 (lossless), …", DefaultValueFactory = _ => "libx264" };
var crf = new Option<int>("--crf") { Description = "x264/x265 quality (0-51, lower is better)", DefaultValueFactory = _ => 18 };
var ffmpeg = new Option<string>("--ffmpeg") { Description = "the ffmpeg program (ffprobe next to it)", DefaultValueFactory = _ => "ffmpeg" };
var overwrite = new Option<bool>("--overwrite") { Description = "replace OUTPUT if it exists" };
var key = new Option<string?>("--key") { Description = "the server's restoration key, when it requires one (default: environment HINAS_RESTORATION_KEY)" };
var sigma = new Option<double?>("--sigma") { Description = "the video's noise σ (0–255 scale) for a denoiser that takes it; default: the model's own σ" };
var root = new RootCommand("Restore a video through a HiNas.Realtime server (RestoreStream)") { input, output, model, server, task, inFlight, codec, crf, ffmpeg, overwrite, key, sigma };
root.SetAction(async (parse, cancellation) =>
{
    if (!Uri.TryCreate(parse.GetValue(server), UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
    {
        Console.Error.WriteLine($"hinas-video: error: --server '{parse.GetValue(server)}' is not an http:// or https:// URL");
        return 2;
    }
    if (parse.GetValue(inFlight) is < 1 or > 64 || parse.GetValue(crf) is < 0 or > 51)
    {
        Console.Error.WriteLine("hinas-video: error: --max-in-flight must be in [1, 64] and --crf in [0, 51]");
        return 2;
    }
    if (parse.GetValue(sigma) is { } s && (!double.IsFinite(s) || s < 0 || s > 255))
    {
        Console.Error.WriteLine($"hinas-video: error: --sigma {s} must be in [0, 255]");
        return 2;
    }
    var options = new VideoOptions
    {
        Input = parse.GetValue(input)!.FullName, Output = parse.GetValue(output)!.FullName, ModelId = parse.GetValue(model)!, Server = url,
        Task = parse.GetValue(task), MaxInFlight = parse.GetValue(inFlight), Codec = parse.GetValue(codec)!, Crf = parse.GetValue(crf),
        Ffmpeg = parse.GetValue(ffmpeg)!, Overwrite = parse.GetValue(overwrite), Sigma = parse.GetValue(sigma),
        Key = parse.GetValue(key) ?? Environment.GetEnvironmentVariable("HINAS_RESTORATION_KEY"),
    };
    try
    {
        VideoSummary summary;
        if (!Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive)
        {
            summary = await AnsiConsole.Progress().AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .StartAsync(async context =>
                {
                    var bar = context.AddTask("frames", maxValue: 1);
                    return await VideoRestorer.RunAsync(options, (done, total, fps) =>
                    {
                        bar.MaxValue = Math.Max(total ?? done, done);
                        bar.Value = done;
                        bar.Description = string.Create(CultureInfo.InvariantCulture, $"{done}{(total is { } t ? $"/{t}" : "")} frames, {fps:F1} fps");
                    }, cancellation);
                });
        }
        else
        {
            summary = await VideoRestorer.RunAsync(options, null, cancellation);
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{summary.Frames} frames ({summary.OutputWidth}×{summary.OutputHeight}) in {summary.Seconds:F1} s = {summary.FramesPerSecond:F1} fps; dropped {summary.Dropped}; latency mean {summary.MeanLatencyMs:F1} ms, p99 {summary.P99LatencyMs:F1} ms → {options.Output}"));
        return 0;
    }
    catch (VideoClientException e)
    {
        Console.Error.WriteLine($"hinas-video: error: {e.Message}");
        return 1;
    }
    catch (RpcException e)
    {
        Console.Error.WriteLine($"hinas-video: error: server {options.Server}: {e.StatusCode}: {e.Status.Detail}");
        return 1;
    }
});
return await root.Parse(args).InvokeAsync();
