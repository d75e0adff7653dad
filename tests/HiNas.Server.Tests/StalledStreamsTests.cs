using System.Diagnostics;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using HiNas.Protocol.V1;
using HiNas.Server.Observability;
using HiNas.Server.Restoration;
using Microsoft.Extensions.DependencyInjection;

namespace HiNas.Server.Tests;

/// <summary>
/// The attack, on the real Kestrel server on 127.0.0.1: 24 streams each send 8 RGBA 1280×720 frames (QUEUE,
/// 4 in flight) and never read. The server's memory stays within its configured bound, a well-behaved unary call waits
/// meanwhile for no more than about two large frames' work, and cancelling the streams gives the memory back.
/// Measured with the process's managed heap, so it runs alone (no other test allocates meanwhile).
/// </summary>
[Collection(MeasuresProcessMemory.Name)]
public sealed class StalledStreamsTests
{
    private const int Streams = 24, FramesPerStream = 8, Width = 1280, Height = 720;
    private const long Budget = 64L * 1024 * 1024, Pooled = 16L * 1024 * 1024, Slack = 64L * 1024 * 1024;

    /// <summary>What the server's hand-overs between a small frame's stages may add to its wait under the whole suite's load.</summary>
    private const double HandOverMs = 1000;

    [Fact]
    public async Task StreamsThatNeverRead_StayWithinTheBound_DoNotDelayOthers_AndGiveTheirMemoryBack()
    {
        await using var server = await KestrelTestServer.StartAsync(new Dictionary<string, string?>
        {
            ["HiNas:MaxHeldFrameBytes"] = Budget.ToString(),
            ["HiNas:MaxPooledBufferBytes"] = Pooled.ToString(),
        });
        {
            var address = server.Addresses.Single();
            var restorer = server.App.Services.GetRequiredService<FrameRestorer>();
            // the well-behaved client has its own connection (on one HTTP/2 connection, streams that leave their data
            // unread use up the connection's flow-control window for every call on it)
            GrpcChannel Connect() => GrpcChannel.ForAddress(address, new GrpcChannelOptions { MaxReceiveMessageSize = null, MaxSendMessageSize = null });
            using var channel = Connect();
            var client = new Protocol.V1.Restoration.RestorationClient(channel);
            DateTime Soon() => DateTime.UtcNow.AddSeconds(60);
            var small = new RestoreRequest { ModelId = "denoise-rgb", Frame = new RawFrame { Width = 64, Height = 48, Format = PixelFormat.Rgba8, Pixels = ByteString.CopyFrom(TestFrames.Rgba(64, 48, 256, 1)) } };
            var large = ByteString.CopyFrom(TestFrames.Rgba(Width, Height, Width * 4, 2)); // one buffer shared by every frame sent

            // warm up: the model, its pools and the channel, then the baseline
            await client.RestoreAsync(small, deadline: Soon());
            var warm = await client.RestoreAsync(new RestoreRequest { ModelId = "denoise-rgb", Frame = new RawFrame { Width = Width, Height = Height, Format = PixelFormat.Rgba8, Pixels = large } }, deadline: Soon());
            var baseline = Heap();
            var work = new WorkMeter(server.App.Services.GetRequiredService<ServerMetrics>(), "denoise-rgb");

            // A small frame waits at most for a place (a large frame's run and its conversion out) and then for the run in
            // progress at the gate: two large frames' work as the server measured it meanwhile (on a busy machine, the same
            // bound in milliseconds), one more for runs slower than the mean, and up to a second for the continuations that hand
            // it on, which wait for a thread-pool thread on two cores shared with the other test projects (CI: 2,710 ms
            // seen against three frames' 2,412). First in, first out would put it behind the backlog and the places
            // (before this design, 21.7 s). The server's wait is what fair queuing decides; what the transports add on top
            // (CI runs other test projects at once: 0.6 s seen) is bounded by the places' work.
            async Task Prompt(int round, string when)
            {
                var before = work.Read();
                var clock = Stopwatch.StartNew();
                var answer = await client.RestoreAsync(small, deadline: Soon());
                var elapsed = clock.Elapsed.TotalMilliseconds;
                var largeMs = Math.Max(warm.Timings.TotalMs, work.Since(before, answer.Timings));
                var waitAllowed = 3 * largeMs + HandOverMs;
                Assert.True(answer.Timings.QueueMs < waitAllowed,
                    $"round {round}: a unary restore waited {answer.Timings.QueueMs:F0} ms on the server (allowed {waitAllowed:F0}: three large frames' work of {largeMs:F0} ms and {HandOverMs:F0} ms of hand-overs) {when} (on the server: {answer.Timings})");
                var transport = elapsed - answer.Timings.TotalMs;
                var transportAllowed = restorer.Scheduler.Places * largeMs + 1000;
                Assert.True(transport < transportAllowed,
                    $"round {round}: a unary restore took {elapsed:F0} ms, {transport:F0} ms of it outside the server (allowed {transportAllowed:F0}) {when} (on the server: {answer.Timings})");
            }

            var frameBytes = 2L * Width * Height * 4; // a frame in, its output out
            var bound = Budget + Streams * frameBytes;
            // growth: the held frames, the engine's places (float buffers in and out), the idle pool, the attackers' own
            // send buffers (a frame each, in this process), and 96 MiB for the transports and the runtime; before this
            // bound, the same attack took 1.9 GB
            var places = FrameRestorer.PlacesPerInference * 2L * Width * Height * 3 * sizeof(float);
            var clients = Streams * (long)Width * Height * 4;
            var allowed = bound + places + Pooled + clients + 96L * 1024 * 1024;

            async Task<(long Peak, long Held, long End)> Attack(int round)
            {
                // the test holds every place at the engine until the backlog has built: how fast frames arrive over
                // loopback against how fast the engine runs them differs by machine and load (a fast engine kept the
                // backlog under twice the places, and the streams then stalled with none waiting: CI, 2026-12-05)
                var holds = new List<InferenceScheduler.Admission>();
                for (var i = 0; i < restorer.Scheduler.Places; i++)
                    holds.Add((await restorer.Scheduler.AdmitAsync($"test {round}: holds the engine", 0, null, CancellationToken.None))!);
                var attackers = Enumerable.Range(0, 4).Select(_ => Connect()).ToList();
                using var attack = new CancellationTokenSource();
                var calls = Enumerable.Range(0, Streams)
                    .Select(i => new Protocol.V1.Restoration.RestorationClient(attackers[i % attackers.Count]).RestoreStream(cancellationToken: attack.Token)).ToList();
                var senders = calls.Select(call => Task.Run(async () =>
                {
                    await call.RequestStream.WriteAsync(TestFrames.Config("denoise-rgb", 4, OverloadPolicy.Queue));
                    for (var i = 0; i < FramesPerStream; i++)
                        await call.RequestStream.WriteAsync(new RestoreStreamRequest
                        {
                            Frame = new StreamFrame { Sequence = (ulong)i, Width = Width, Height = Height, Stride = Width * 4, Pixels = large },
                        });
                })).ToList();

                // once the streams keep a backlog of twice the engine's places waiting (first in, first out would put the
                // small frame behind all of it and the places: some nine large frames' work on two run slots), a small
                // unary restore from another client is answered promptly
                var filling = Stopwatch.StartNew();
                while (restorer.Scheduler.Waiting < 2 * restorer.Scheduler.Places)
                {
                    Assert.True(filling.Elapsed < TimeSpan.FromMinutes(1), $"round {round}: the streams did not fill the server: {restorer.Scheduler.Waiting} frames waiting for a place");
                    await Task.Delay(20);
                }
                foreach (var hold in holds) hold.Dispose();
                await Prompt(round, "while the streams filled the server");

                // the streams hold what the bound allows and stop: held bytes settle
                long held = -1;
                var settling = Stopwatch.StartNew();
                for (var settled = 0; settled < 3;)
                {
                    Assert.True(settling.Elapsed < TimeSpan.FromMinutes(3), $"the stalled streams did not settle: {restorer.Memory.Held} bytes held, {restorer.Scheduler.InUse} places in use");
                    await Task.Delay(1000);
                    var now = restorer.Memory.Held;
                    settled = now == held && restorer.Scheduler.InUse == 0 ? settled + 1 : 0;
                    held = now;
                }
                Assert.InRange(held, Streams * frameBytes, bound); // every stream got at least its one frame, and no more than the budget beyond
                var peak = Heap();
                Assert.True(peak - baseline <= allowed,
                    $"round {round}: the heap grew by {(peak - baseline) >> 20} MiB with {held >> 20} MiB of frames held; allowed {allowed >> 20} MiB");

                await Prompt(round, "with the streams stalled");

                attack.Cancel();
                foreach (var call in calls) call.Dispose();
                foreach (var attacker in attackers) attacker.Dispose();
                await Task.WhenAll(senders.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
                var deadline = Stopwatch.StartNew();
                while ((restorer.Memory.Held > 0 || restorer.Scheduler.InUse > 0) && deadline.Elapsed < TimeSpan.FromSeconds(20)) await Task.Delay(100);
                Assert.Equal((0L, 0), (restorer.Memory.Held, restorer.Scheduler.InUse));
                return (peak, held, Heap());
            }

            var first = await Attack(1);
            // what stays after the first round is pooled (Kestrel's and the runtime's buffer pools, the frame-buffer pool),
            // not lost: the same attack again takes no more beside the frames it holds, and leaves no more behind (a frame
            // lost per stream would be 170 MiB). The budget lets the frames held vary by up to 64 MiB between rounds, and a
            // frame the server does not hold waits in the transports instead (the attackers' send buffers, Kestrel's
            // pipes), outside the held count: the heap beside the held frames may grow by what the second round holds less.
            // Beside that, rounds differ by up to ~10 frames in flight (41 MiB seen, 2026-12-02): 64 MiB of slack stays
            // under a lost input frame per stream (88 MiB)
            var second = await Attack(2);
            Assert.True(second.Peak - second.Held <= first.Peak - first.Held + Math.Max(0, first.Held - second.Held) + Slack,
                $"the second round peaked at {second.Peak >> 20} MiB with {second.Held >> 20} MiB of frames held, against {first.Peak >> 20} MiB with {first.Held >> 20} MiB");
            Assert.True(second.End <= first.End + Slack, $"the second round left {second.End >> 20} MiB against {first.End >> 20} MiB");
        }
    }

    /// <summary>
    /// The work (conversions and model run) of the frames a model restored between two readings, from the server's
    /// stage histograms: what the large frames cost while a small one waited, on this machine under this load.
    /// </summary>
    private sealed class WorkMeter(ServerMetrics metrics, string model)
    {
        private static readonly string[] Stages = ["preprocess", "inference", "postprocess"];

        public (double Ms, long Frames) Read() =>
            (Stages.Sum(s => metrics.StageMilliseconds.WithLabels(model, s).Sum), (long)metrics.StageMilliseconds.WithLabels(model, "inference").Count);

        /// <summary>The mean work of the frames restored since <paramref name="before"/> beside the one timed <paramref name="own"/>; 0 when none.</summary>
        public double Since((double Ms, long Frames) before, StageTimings own)
        {
            var (ms, frames) = Read();
            var others = frames - before.Frames - 1;
            return others > 0 ? (ms - before.Ms - (own.PreprocessMs + own.InferenceMs + own.PostprocessMs)) / others : 0;
        }
    }

    private static long Heap()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}

/// <summary>Tests that measure the process's memory: run after the parallel ones, one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MeasuresProcessMemory
{
    public const string Name = "measures process memory";
}
