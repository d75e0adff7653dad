// Serving benchmark, run by bench/serving/run.sh against a server running as its own process.
// 1. Raw ONNX Runtime: Run() of the model on pre-converted tensors of the INPUT frame (640×360 by default; this process, the
//    server idle), one at a time on every core and two at once on half the cores each (the server's default);
//    then the same frames through RestoreStream (one stream, QUEUE, IN_FLIGHT frames, the client keeping at most
//    that many unanswered): frames/s of each, the stream's ratio to the faster raw figure, p50/p99 latency; plus
//    one frame at a time (1 in flight) for the round-trip floor.
// 2. 8 concurrent streams × 300 frames paced at 30 fps, DROP_OLDEST with 2 in flight: every frame must be
//    answered (restored or dropped); the server's RSS when the streams reach frame 100 and frame 300.
// Usage: HiNas.Bench.Serving SERVER_URL SERVER_PID MODELS_FOLDER [MODEL=denoise-rgb] [FRAMES=300] [IN_FLIGHT=4] [INPUT=640x360]
using System.Diagnostics;
using System.Globalization;
using static BenchMeasures;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using HiNas.Inference.Engine;
using HiNas.Inference.Packages;
using HiNas.Protocol.V1;

var url = args[0];
var serverPid = int.Parse(args[1], CultureInfo.InvariantCulture);
var modelsFolder = args[2];
var modelId = args.Length > 3 ? args[3] : "denoise-rgb";
var frameCount = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 300;
var inFlight = args.Length > 5 ? uint.Parse(args[5], CultureInfo.InvariantCulture) : 4u;
var input = (args.Length > 6 ? args[6] : "640x360").Split('x');
if (input.Length != 2 || !int.TryParse(input[0], NumberStyles.None, CultureInfo.InvariantCulture, out var width) || !int.TryParse(input[1], NumberStyles.None, CultureInfo.InvariantCulture, out var height) || width < 8 || height < 8)
    throw new ArgumentException($"INPUT is WIDTHxHEIGHT of at least 8×8, e.g. 320x180, not '{(args.Length > 6 ? args[6] : "")}'");
var stride = width * 4;

var frames = Enumerable.Range(0, 8).Select(i => Frame(i)).ToArray();
var inv = CultureInfo.InvariantCulture;

// --- 1a. raw ONNX Runtime Run on the same frames: one frame at a time on every core, and as the server runs them
//         by default (two frames at once, each on half the cores); the stream is compared with the faster ----------
var package = ModelPackage.Load(Path.Combine(modelsFolder, modelId));
var rawFps = Math.Max(Raw(threads: 0, atOnce: 1), Raw(threads: Math.Max(1, Environment.ProcessorCount / 2), atOnce: 2));

double Raw(int threads, int atOnce)
{
    using var model = RestorationModel.Open(package, preferCuda: false, threads: threads);
    var planes = model.Channels == 1 ? 3 : 1;
    var layout = new HiNas.Inference.Frames.FrameLayout(width, height, stride, HiNas.Inference.Frames.PixelFormat.Rgba8);
    var leases = Enumerable.Range(0, atOnce).Select(_ => model.Lease(planes, model.Channels, height, width)).ToArray();
    var runs = new System.Collections.Concurrent.ConcurrentBag<double>();
    foreach (var lease in leases)
    {
        HiNas.Inference.Frames.FrameConverter.ToPlanar(frames[0], layout, model.Channels, lease.Input);
        for (var i = 0; i < 5; i++) lease.Run();
    }
    var total = Stopwatch.StartNew();
    Parallel.ForEach(leases, new ParallelOptions { MaxDegreeOfParallelism = atOnce }, lease =>
    {
        for (var i = 0; i < frameCount / atOnce; i++)
        {
            var clock = Stopwatch.StartNew();
            lease.Run();
            runs.Add(clock.Elapsed.TotalMilliseconds);
        }
    });
    var fps = runs.Count / total.Elapsed.TotalSeconds;
    foreach (var lease in leases) lease.Dispose();
    var how = atOnce == 1 ? "one frame at a time" : $"{atOnce} frames at once";
    Console.WriteLine(string.Create(inv, $"raw ONNX Runtime Run, {how} on {OrtThreads.Resolve(threads)} thread(s) each: {runs.Count} frames, {fps:F1} frames/s, p50 {Percentile(runs.ToList(), 50):F1} ms, p99 {Percentile(runs.ToList(), 99):F1} ms"));
    return fps;
}

using var channel = GrpcChannel.ForAddress(url, new GrpcChannelOptions
{
    MaxReceiveMessageSize = null, MaxSendMessageSize = null,
    HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, InitialHttp2StreamWindowSize = 8 * 1024 * 1024 },
});
var client = new Restoration.RestorationClient(channel);

// --- 1b. one stream, QUEUE, 4 in flight ------------------------------------------------------------------
await RunStream(client, modelId, frames, 10, OverloadPolicy.Queue, inFlight, pacingFps: 0, onProgress: null); // warm-up
var (serverCpu, clientCpu) = (CpuTime(serverPid), CpuTime(Environment.ProcessId));
var stream = await RunStream(client, modelId, frames, frameCount, OverloadPolicy.Queue, inFlight, pacingFps: 0, onProgress: null);
var (serverMs, clientMs) = ((CpuTime(serverPid) - serverCpu).TotalMilliseconds / stream.Restored, (CpuTime(Environment.ProcessId) - clientCpu).TotalMilliseconds / stream.Restored);
var streamFps = stream.Restored / stream.Seconds;
Console.WriteLine(string.Create(inv, $"RestoreStream (QUEUE, {inFlight} in flight): {stream.Restored} frames, {streamFps:F1} frames/s = {streamFps / rawFps:F2}× raw; latency p50 {Percentile(stream.Latencies, 50):F1} ms, p99 {Percentile(stream.Latencies, 99):F1} ms; server inference p50 {Percentile(stream.Inference, 50):F1} ms{Stages(stream)}; CPU per frame: server {serverMs:F1} core-ms, this client {clientMs:F1} (the cores give {Environment.ProcessorCount * 1000 / streamFps:F1} per frame at this rate)"));
var single = await RunStream(client, modelId, frames, 60, OverloadPolicy.Queue, 1, pacingFps: 0, onProgress: null);
Console.WriteLine(string.Create(inv, $"RestoreStream one frame at a time: round trip p50 {Percentile(single.Latencies, 50):F1} ms, p99 {Percentile(single.Latencies, 99):F1} ms ({single.Restored / single.Seconds:F1} frames/s); server inference p50 {Percentile(single.Inference, 50):F1} ms{Stages(single)}"));

// --- 2. 8 concurrent streams × FRAMES, paced at 30 fps, DROP_OLDEST ---------------------------------------
var progress = new int[8];
long rssAt100 = 0, rssAt300 = 0;
var sampler = Task.Run(async () =>
{
    while (progress.Min() < frameCount)
    {
        var min = progress.Min();
        if (rssAt100 == 0 && min >= Math.Min(100, frameCount)) rssAt100 = Rss(serverPid);
        await Task.Delay(20);
    }
    rssAt300 = Rss(serverPid);
});
var rssBefore = Rss(serverPid);
var concurrent = await Task.WhenAll(Enumerable.Range(0, 8).Select(s =>
    RunStream(client, modelId, frames, frameCount, OverloadPolicy.DropOldest, 2, pacingFps: 30, onProgress: n => progress[s] = n)));
await sampler;
var answered = concurrent.Sum(r => r.Restored + r.Dropped);
var latencies = concurrent.SelectMany(r => r.Latencies).ToList();
Console.WriteLine(string.Create(inv, $"8 streams × {frameCount} frames at 30 fps (DROP_OLDEST, 2 in flight): {answered}/{8 * frameCount} answered ({concurrent.Sum(r => r.Restored)} restored, {concurrent.Sum(r => r.Dropped)} dropped, {8 * frameCount - answered} missing); in order: {concurrent.All(r => r.InOrder)}; restored latency p50 {Percentile(latencies, 50):F1} ms, p99 {Percentile(latencies, 99):F1} ms; server RSS before {rssBefore / 1048576.0:F0} MiB, at frame 100 {rssAt100 / 1048576.0:F0} MiB, at frame {frameCount} {rssAt300 / 1048576.0:F0} MiB ({(rssAt300 - rssAt100) * 100.0 / rssAt100:+0.0;-0.0}%)"));
return answered == 8 * frameCount && concurrent.All(r => r.InOrder) ? 0 : 1;

static string Stages(StreamRun run) => string.Create(CultureInfo.InvariantCulture,
    $", bytes → tensor p50 {Percentile(run.Stages.Select(s => s.Pre).ToList(), 50):F1} ms, tensor → bytes p50 {Percentile(run.Stages.Select(s => s.Post).ToList(), 50):F1} ms, the server's whole p50 {Percentile(run.Stages.Select(s => s.Total).ToList(), 50):F1} ms");

async Task<StreamRun> RunStream(Restoration.RestorationClient client, string model, byte[][] frames, int count, OverloadPolicy policy, uint inFlight, double pacingFps, Action<int>? onProgress)
{
    using var call = client.RestoreStream();
    await call.RequestStream.WriteAsync(new RestoreStreamRequest { Config = new StreamConfig { ModelId = model, Format = PixelFormat.Rgba8, MaxInFlight = inFlight, OverloadPolicy = policy } });
    if (!await call.ResponseStream.MoveNext() || call.ResponseStream.Current.Accepted is null) throw new InvalidOperationException("the stream was not accepted");
    var sent = new long[count];
    var payloads = frames.Select(f => ByteString.CopyFrom(f)).ToArray();
    var run = new StreamRun();
    var clock = Stopwatch.StartNew();
    // Under QUEUE the client keeps at most inFlight frames unanswered, as a real video client does; otherwise
    // HTTP/2 buffers would hold more and the latency would measure the transport's buffers, not the server.
    var window = new SemaphoreSlim(policy == OverloadPolicy.Queue ? (int)inFlight : count);
    var receiving = Task.Run(async () =>
    {
        ulong next = 0;
        await foreach (var response in call.ResponseStream.ReadAllAsync())
        {
            var r = response.Result;
            if (r.Sequence != next++) run.InOrder = false;
            if (r.Dropped) run.Dropped++;
            else
            {
                run.Restored++;
                run.Latencies.Add(Stopwatch.GetElapsedTime(sent[r.Sequence]).TotalMilliseconds);
                run.Inference.Add(r.Timings.InferenceMs);
                run.Stages.Add((r.Timings.PreprocessMs, r.Timings.PostprocessMs, r.Timings.TotalMs));
            }
            window.Release();
        }
    });
    for (var i = 0; i < count; i++)
    {
        await window.WaitAsync();
        if (pacingFps > 0)
        {
            var due = TimeSpan.FromSeconds(i / pacingFps) - clock.Elapsed;
            if (due > TimeSpan.Zero) await Task.Delay(due);
        }
        sent[i] = Stopwatch.GetTimestamp();
        await call.RequestStream.WriteAsync(new RestoreStreamRequest
        {
            Frame = new StreamFrame { Sequence = (ulong)i, ClientTimestampUs = sent[i], Width = (uint)width, Height = (uint)height, Stride = (uint)stride, Pixels = payloads[i % payloads.Length] },
        });
        onProgress?.Invoke(i + 1);
    }
    await call.RequestStream.CompleteAsync();
    await receiving;
    run.Seconds = clock.Elapsed.TotalSeconds;
    return run;
}



byte[] Frame(int seed)
{
    var random = new Random(seed);
    var bytes = new byte[width * height * 4];
    for (var y = 0; y < height; y++)
        for (var x = 0; x < width; x++)
        {
            var o = (y * width + x) * 4;
            bytes[o] = (byte)Math.Clamp(128 + 90 * Math.Sin((x + seed * 13) * 0.03) + random.Next(-25, 26), 0, 255);
            bytes[o + 1] = (byte)Math.Clamp(110 + 70 * Math.Cos(y * 0.025) + random.Next(-25, 26), 0, 255);
            bytes[o + 2] = (byte)Math.Clamp(80 + (x ^ y) % 96 + random.Next(-25, 26), 0, 255);
            bytes[o + 3] = 255;
        }
    return bytes;
}

internal sealed class StreamRun
{
    public int Restored { get; set; }
    public int Dropped { get; set; }
    public bool InOrder { get; set; } = true;
    public double Seconds { get; set; }
    public List<double> Latencies { get; } = new();
    public List<double> Inference { get; } = new();

    /// <summary>The server's stages of each restored frame (bytes → tensor, model, tensor → bytes, the server's whole time).</summary>
    public List<(double Pre, double Post, double Total)> Stages { get; } = new();
}
