// Soak benchmark, run by bench/soak/run.sh against a server running as its own process on loopback.
// Phase 1 (one minute): 8 well-behaved game streams alone — RGBA frames (SOAK_FRAME, default 320×180) at 30 fps, DROP_OLDEST, 2 in flight, the
//   server's default deadline — for their latency alone.
// Phase 2 (MINUTES): the same 8 streams with everything else at once: a long search job (one worker thread) and
//   WatchJob replays of it from index 0 every 10 s; clients that open a stream, send 1280×720 frames and vanish in
//   the middle of one; unary restores of ever-changing sizes; undecodable request bytes; frames above the pixel limit
//   and messages above the size limit. The server's RSS is sampled every 5 s throughout.
// Prints a Markdown table (bench/soak/README.md) and exits non-zero when a goal is missed.
// Usage: HiNas.Bench.Soak GRPC_URL HTTP_URL SERVER_PID API_KEY [MINUTES=10]
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using static BenchMeasures;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using HiNas.Protocol.V1;

var inv = CultureInfo.InvariantCulture;
var grpcUrl = args[0];
var httpUrl = args[1];
var serverPid = int.Parse(args[2], inv);
var apiKey = args[3];
var minutes = args.Length > 4 ? double.Parse(args[4], inv) : 10;
var size = (Environment.GetEnvironmentVariable("SOAK_FRAME") ?? "320x180").Split('x');
int Width = int.Parse(size[0], inv), Height = int.Parse(size[1], inv);
var auth = new Metadata { { "authorization", $"Bearer {apiKey}" } };

GrpcChannel Channel() => GrpcChannel.ForAddress(grpcUrl, new GrpcChannelOptions
{
    MaxReceiveMessageSize = null, MaxSendMessageSize = null,
    HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, InitialHttp2StreamWindowSize = 8 * 1024 * 1024 },
});
using var games = Channel();
using var others = Channel();
var frame = ByteString.CopyFrom(Pattern(Width, Height, 4, 1));
var large = ByteString.CopyFrom(Pattern(1280, 720, 4, 2));
var statuses = new ConcurrentDictionary<string, int>();
void Count(string what, StatusCode code) => statuses.AddOrUpdate($"{what}: {code}", 1, (_, n) => n + 1);

var rss = new List<(double Seconds, long Bytes)>();
var end = TimeSpan.MaxValue;
var clock = Stopwatch.StartNew();
var restarts = 0;
using var stopSampling = new CancellationTokenSource();
var sampler = Task.Run(async () =>
{
    while (!stopSampling.IsCancellationRequested)
    {
        try
        {
            lock (rss) rss.Add((clock.Elapsed.TotalSeconds, Rss(serverPid)));
        }
        catch (IOException)
        {
            restarts++; // the process is gone
            return;
        }
        try { await Task.Delay(5000, stopSampling.Token); } catch (OperationCanceledException) { }
    }
});

if (Environment.GetEnvironmentVariable("SOAK_ONLY") is { Length: > 0 } only)
{
    // one kind of traffic alone, for MINUTES, with the RSS every 5 s: to see which part grows the server
    var until = clock.Elapsed + TimeSpan.FromMinutes(minutes);
    end = until;
    Func<Task> action = only switch { "sizes" => ChangingSizes, "oversized" => Oversized, "vanish" => Vanish, "undecodable" => Undecodable, _ => throw new ArgumentException(only) };
    await Loop(only, TimeSpan.FromMilliseconds(only == "sizes" ? 100 : 500), action);
    stopSampling.Cancel();
    await sampler;
    Console.WriteLine($"{only} alone: RSS every 5 s (MiB): " + string.Join(" ", rss.Select(r => r.Bytes >> 20)));
    Console.WriteLine(string.Join("; ", statuses.Select(x => $"{x.Key} × {x.Value}")));
    return 0;
}
var aloneSeconds = double.Parse(Environment.GetEnvironmentVariable("SOAK_ALONE_SECONDS") ?? "60", inv);
var gameStreams = int.Parse(Environment.GetEnvironmentVariable("SOAK_GAME_STREAMS") ?? "8", inv);
Console.WriteLine($"phase 1: {gameStreams} game streams alone for {aloneSeconds} s");
var alone = await Task.WhenAll(Enumerable.Range(0, gameStreams).Select(_ => Game(games, TimeSpan.FromSeconds(aloneSeconds))));
Console.WriteLine("server stage times after phase 1 (ms, mean): " + StageMeans(await new HttpClient().GetStringAsync($"{httpUrl}/metrics")));
var rssStart = Rss(serverPid);

Console.WriteLine($"phase 2: the same streams with mixed traffic for {minutes} min");
if (minutes <= 0) return 0;
var jobs = new Jobs.JobsClient(others);
var job = await jobs.StartSearchAsync(new StartSearchRequest
{
    Task = new TaskSpec { Kind = "denoise", Sigma = 25, Channels = 3 },
    Search = new SearchSettings { Layers = 1, Blocks = 2, Filters = 4, StemChannels = 8, Epochs = 10_000, Warmup = 1, StepsPerEpoch = 50, Batch = 2, Crop = 32, Data = "deadleaves:8x48" },
}, auth);
var duration = TimeSpan.FromMinutes(minutes);
end = clock.Elapsed + duration;
bool Running() => clock.Elapsed < end;
var replays = new List<int>();
var chaos = new[]
{
    Loop("vanished streams", TimeSpan.FromMilliseconds(1500), Vanish),
    Loop("Restore of a changing size", TimeSpan.FromMilliseconds(300), ChangingSizes),
    Loop("random bytes", TimeSpan.FromMilliseconds(1000), Undecodable),
    Loop("frames above the pixel limit and messages above the size limit", TimeSpan.FromSeconds(5), Oversized),
    Loop("WatchJob replay", TimeSpan.FromSeconds(10), Replay),
};
var mixed = await Task.WhenAll(Enumerable.Range(0, gameStreams).Select(_ => Game(games, duration)));
await Task.WhenAll(chaos);
try { await jobs.CancelJobAsync(new CancelJobRequest { JobId = job.Id }, auth); } catch (RpcException e) { Count("CancelJob", e.StatusCode); }
await Task.Delay(15_000); // let the server settle
var rssEnd = Rss(serverPid);
stopSampling.Cancel();
await sampler;
var healthy = await new HttpClient().GetStringAsync($"{httpUrl}/healthz");
var metrics = await new HttpClient().GetStringAsync($"{httpUrl}/metrics");
var serverErrors = metrics.Split('\n').Where(l => l.StartsWith("hinas_rpc_errors_total", StringComparison.Ordinal) && (l.Contains("code=\"Unknown\"") || l.Contains("code=\"Internal\"")))
    .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], inv));
var clientErrors = statuses.Where(s => s.Key.EndsWith(": Unknown") || s.Key.EndsWith(": Internal")).Sum(s => s.Value);

// ---- report ---------------------------------------------------------------------------------------------------
Console.WriteLine();
Console.WriteLine("| measure | figure |");
Console.WriteLine("|---|---|");
Row("server RSS: start of phase 2 / max / end (15 s after)", $"{rssStart >> 20} / {rss.Max(r => r.Bytes) >> 20} / {rssEnd >> 20} MiB ({rss.Count} samples)");
var phase2 = rss.Where(r => r.Seconds >= aloneSeconds).ToList();
Row("server RSS through phase 2 at 10 % steps (MiB)", string.Join(" ", Enumerable.Range(0, 11).Select(i => phase2[Math.Min(phase2.Count - 1, i * (phase2.Count - 1) / 10)].Bytes >> 20)));
Describe("phase 1, 8 game streams alone", alone);
Describe($"phase 2, the same streams in mixed traffic ({minutes} min)", mixed);
var aloneP99 = Percentile(alone.SelectMany(g => g.RoundTrip).ToList(), 99);
var mixedP99 = Percentile(mixed.SelectMany(g => g.RoundTrip).ToList(), 99);
Row("game streams' round-trip p99, mixed / alone", $"{mixedP99 / aloneP99:F2}× ({mixedP99:F1} / {aloneP99:F1} ms)");
Row("WatchJob replays from index 0", $"{replays.Count}, {(replays.Count > 0 ? replays.Min() : 0)}–{(replays.Count > 0 ? replays.Max() : 0)} events each");
Row("other calls, by status", string.Join("; ", statuses.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key} × {s.Value}")));
Row("UNKNOWN or INTERNAL statuses (server metric / seen by clients)", $"{serverErrors} / {clientErrors}");
Row("server restarts", $"{restarts} (healthz: {healthy})");

var missing = alone.Concat(mixed).Sum(g => g.Missing);
var ok = missing == 0 && serverErrors == 0 && clientErrors == 0 && restarts == 0 && alone.Concat(mixed).All(g => g.InOrder);
Console.WriteLine(ok ? "goals: none missing, no UNKNOWN/INTERNAL, no restart — met" : "goals: MISSED");
return ok ? 0 : 1;

void Row(string measure, string figure) => Console.WriteLine($"| {measure} | {figure} |");

void Describe(string name, GameRun[] runs)
{
    var roundTrip = runs.SelectMany(g => g.RoundTrip).ToList();
    var server = runs.SelectMany(g => g.ServerTotal).ToList();
    var restored = runs.Select(g => (double)g.Restored).ToArray();
    var jain = restored.Sum() * restored.Sum() / (restored.Length * restored.Sum(x => x * x));
    var deadline = runs[0].DeadlineMs;
    Row($"{name}: frames sent / restored / dropped for a newer frame / for the deadline / missing",
        $"{runs.Sum(g => g.Sent)} / {runs.Sum(g => g.Restored)} / {runs.Sum(g => g.DroppedNewer)} / {runs.Sum(g => g.DroppedDeadline)} / {runs.Sum(g => g.Missing)} (in order: {runs.All(g => g.InOrder)}; not sent, 2 unanswered: {runs.Sum(g => g.Skipped)})");
    Row($"{name}: restored frames' latency p50 / p99, round trip (server arrival → answer) vs deadline {deadline} ms",
        $"{Percentile(roundTrip, 50):F1} / {Percentile(roundTrip, 99):F1} ms ({Percentile(server, 50):F1} / {Percentile(server, 99):F1} ms); within the deadline on the server: {server.Count(t => t <= deadline) * 100.0 / Math.Max(1, server.Count):F1} %");
    Row($"{name}: restored frames per stream (min–max), fairness (Jain's index)", $"{restored.Min()}–{restored.Max()}, {jain:F3}");
}

async Task Loop(string label, TimeSpan every, Func<Task> action)
{
    while (Running())
    {
        var next = Task.Delay(every);
        try { await action(); }
        catch (RpcException e) { Count(label, e.StatusCode); }
        await next;
    }
}

async Task Vanish()
{
    var client = new Restoration.RestorationClient(others);
    using var cut = new CancellationTokenSource();
    using var call = client.RestoreStream(cancellationToken: cut.Token);
    await call.RequestStream.WriteAsync(new RestoreStreamRequest { Config = new StreamConfig { ModelId = "denoise-rgb", Format = PixelFormat.Rgba8, MaxInFlight = 2, OverloadPolicy = OverloadPolicy.Queue } });
    await call.RequestStream.WriteAsync(new RestoreStreamRequest { Frame = new StreamFrame { Sequence = 0, Width = 1280, Height = 720, Pixels = large } });
    var writing = call.RequestStream.WriteAsync(new RestoreStreamRequest { Frame = new StreamFrame { Sequence = 1, Width = 1280, Height = 720, Pixels = large } });
    cut.CancelAfter(2); // gone in the middle of the frame
    try { await writing; } catch (Exception e) when (e is RpcException or OperationCanceledException or InvalidOperationException) { }
    Count("vanished streams", StatusCode.Cancelled);
}

async Task ChangingSizes()
{
    var w = Random.Shared.Next(16, 641);
    var h = Random.Shared.Next(16, 481);
    var gray = Random.Shared.Next(2) == 0;
    var pixels = new byte[w * h * (gray ? 1 : 4)];
    Random.Shared.NextBytes(pixels);
    var response = await new Restoration.RestorationClient(others).RestoreAsync(new RestoreRequest
    {
        ModelId = gray ? "denoise-gray" : "denoise-rgb",
        Frame = new RawFrame { Width = (uint)w, Height = (uint)h, Format = gray ? PixelFormat.Gray8 : PixelFormat.Rgba8, Pixels = UnsafeByteOperations.UnsafeWrap(pixels) },
    });
    Count("Restore of a changing size", StatusCode.OK);
}

async Task Undecodable()
{
    var bytes = new byte[Random.Shared.Next(1, 200)];
    Random.Shared.NextBytes(bytes);
    var marshaller = Marshallers.Create<byte[]>(b => b, b => b);
    var (service, method) = Random.Shared.Next(3) switch
    {
        0 => ("hinas.v1.Restoration", "GetModel"),
        1 => ("hinas.v1.Restoration", "Restore"),
        _ => ("hinas.v1.Jobs", "GetJob"),
    };
    var call = others.CreateCallInvoker().AsyncUnaryCall(new Method<byte[], byte[]>(MethodType.Unary, service, method, marshaller, marshaller), null, new CallOptions(auth), bytes);
    await call.ResponseAsync;
    Count($"{method} with random bytes", StatusCode.OK);
}

async Task Oversized()
{
    // above MaxFramePixels (3840×2160): 4000×3000 GRAY8; every sixth time a message above MaxMessageBytes (64 MiB)
    var huge = Random.Shared.Next(6) == 0;
    var (w, h) = huge ? (8200, 8200) : (4000, 3000);
    await new Restoration.RestorationClient(others).RestoreAsync(new RestoreRequest
    {
        ModelId = "denoise-gray", Frame = new RawFrame { Width = (uint)w, Height = (uint)h, Format = PixelFormat.Gray8, Pixels = UnsafeByteOperations.UnsafeWrap(new byte[w * h]) },
    });
    Count(huge ? "a message above the size limit" : "a frame above the pixel limit", StatusCode.OK);
}

async Task Replay()
{
    var events = 0;
    using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
    var known = (await jobs.GetJobAsync(new GetJobRequest { JobId = job.Id }, auth)).Events;
    using var call = jobs.WatchJob(new WatchJobRequest { JobId = job.Id, FromIndex = 0 }, auth, cancellationToken: stop.Token);
    try
    {
        await foreach (var e in call.ResponseStream.ReadAllAsync(stop.Token))
        {
            events++;
            if (e.Index >= known - 1) break; // replayed up to what was there when it started
        }
    }
    catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled) { }
    lock (replays) replays.Add(events);
    Count("WatchJob replay", StatusCode.OK);
}

async Task<GameRun> Game(GrpcChannel channel, TimeSpan length)
{
    var run = new GameRun();
    using var call = new Restoration.RestorationClient(channel).RestoreStream();
    await call.RequestStream.WriteAsync(new RestoreStreamRequest { Config = new StreamConfig { ModelId = "denoise-rgb", Format = PixelFormat.Rgba8, MaxInFlight = 2, OverloadPolicy = OverloadPolicy.DropOldest } });
    if (!await call.ResponseStream.MoveNext() || call.ResponseStream.Current.Accepted is not { } accepted) throw new InvalidOperationException("the stream was not accepted");
    run.DeadlineMs = accepted.MaxLatencyMs;
    var sentAt = new ConcurrentDictionary<ulong, long>();
    var unanswered = 0;
    var receiving = Task.Run(async () =>
    {
        ulong last = 0;
        var first = true;
        await foreach (var response in call.ResponseStream.ReadAllAsync())
        {
            var r = response.Result;
            if (!first && r.Sequence <= last) run.InOrder = false;
            first = false;
            last = r.Sequence;
            if (!sentAt.TryRemove(r.Sequence, out var sent)) continue;
            Interlocked.Decrement(ref unanswered);
            if (!r.Dropped)
            {
                run.Restored++;
                run.RoundTrip.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
                run.ServerTotal.Add(r.Timings.TotalMs);
            }
            else if (r.DropReason == DropReason.Deadline) run.DroppedDeadline++;
            else run.DroppedNewer++;
        }
    });
    var start = Stopwatch.StartNew();
    for (ulong i = 0; start.Elapsed < length; i++)
    {
        var due = TimeSpan.FromSeconds(i / 30.0) - start.Elapsed;
        if (due > TimeSpan.Zero) await Task.Delay(due);
        if (Volatile.Read(ref unanswered) >= 2)
        {
            run.Skipped++; // a game keeps its newest frame for the next tick
            continue;
        }
        sentAt[i] = Stopwatch.GetTimestamp();
        Interlocked.Increment(ref unanswered);
        run.Sent++;
        await call.RequestStream.WriteAsync(new RestoreStreamRequest { Frame = new StreamFrame { Sequence = i, ClientTimestampUs = (long)i, Width = (uint)Width, Height = (uint)Height, Stride = (uint)(Width * 4), Pixels = frame } });
    }
    await call.RequestStream.CompleteAsync();
    await receiving.WaitAsync(TimeSpan.FromSeconds(60));
    run.Missing = sentAt.Count;
    return run;
}

static string StageMeans(string metrics)
{
    double Value(string name) => metrics.Split('\n').Where(l => l.StartsWith(name, StringComparison.Ordinal)).Select(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)).Sum();
    return string.Join(", ", new[] { "queue", "preprocess", "inference", "postprocess", "total" }.Select(stage =>
    {
        var key = $"{{model=\"denoise-rgb\",stage=\"{stage}\"}}";
        var count = Value($"hinas_frame_stage_milliseconds_count{key}");
        return $"{stage} {(count > 0 ? Value($"hinas_frame_stage_milliseconds_sum{key}") / count : double.NaN):F1}";
    }));
}



static byte[] Pattern(int width, int height, int bpp, int seed)
{
    var random = new Random(seed);
    var bytes = new byte[width * height * bpp];
    for (var y = 0; y < height; y++)
        for (var x = 0; x < width; x++)
        {
            var o = (y * width + x) * bpp;
            bytes[o] = (byte)Math.Clamp(128 + 90 * Math.Sin((x + seed * 13) * 0.03) + random.Next(-25, 26), 0, 255);
            if (bpp < 3) continue;
            bytes[o + 1] = (byte)Math.Clamp(110 + 70 * Math.Cos(y * 0.025) + random.Next(-25, 26), 0, 255);
            bytes[o + 2] = (byte)Math.Clamp(80 + (x ^ y) % 96 + random.Next(-25, 26), 0, 255);
            if (bpp == 4) bytes[o + 3] = 255;
        }
    return bytes;
}

internal sealed class GameRun
{
    public uint DeadlineMs { get; set; }
    public int Sent { get; set; }
    public int Skipped { get; set; }
    public int Restored { get; set; }
    public int DroppedNewer { get; set; }
    public int DroppedDeadline { get; set; }
    public int Missing { get; set; }
    public bool InOrder { get; set; } = true;
    public List<double> RoundTrip { get; } = new();
    public List<double> ServerTotal { get; } = new();
}
