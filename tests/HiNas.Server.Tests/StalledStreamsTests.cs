using System.Diagnostics;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using HiNas.Protocol.V1;
using HiNas.Server.Restoration;
using Microsoft.Extensions.DependencyInjection;

namespace HiNas.Server.Tests;

/// <summary>
/// The attack, on the real Kestrel server on 127.0.0.1: 24 streams each send 8 RGBA 1280×720 frames (QUEUE,
/// 4 in flight) and never read. The server's memory stays within its configured bound, a well-behaved unary call is
/// answered within a second meanwhile, and cancelling the streams gives the memory back.
/// Measured with the process's managed heap, so it runs alone (no other test allocates meanwhile).
/// </summary>
[Collection(MeasuresProcessMemory.Name)]
public sealed class StalledStreamsTests
{
    private const int Streams = 24, FramesPerStream = 8, Width = 1280, Height = 720;
    private const long Budget = 64L * 1024 * 1024, Pooled = 16L * 1024 * 1024, Slack = 64L * 1024 * 1024;

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
            // "within a second" on a machine where a large frame runs in well under half of it; on a busier one (CI runs
            // other test projects at once) within the time of two large frames' work as the server measures it meanwhile
            // (conversions and run, mean plus two deviations): a small frame waits at most for the run in progress and the
            // one after it (before this design: 21.7 s, the attack's whole queue)
            var model = restorer.OpenModel("model_id", "denoise-rgb");
            var largeCost = FrameRestorer.Cost(model, new HiNas.Inference.Frames.FrameLayout(Width, Height, Width * 4, HiNas.Inference.Frames.PixelFormat.Rgba8));
            TimeSpan Prompt() => TimeSpan.FromMilliseconds(Math.Max(1000, 2.5 * Math.Max(warm.Timings.TotalMs, restorer.WorkMs(model, largeCost)) + 100));

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

                // while the streams fill the server, a small unary restore from another client is answered within a second
                await Task.Delay(500);
                var clock = Stopwatch.StartNew();
                var answer = await client.RestoreAsync(small, deadline: Soon());
                var prompt = Prompt();
                Assert.True(clock.Elapsed < prompt, $"round {round}: a unary restore took {clock.Elapsed.TotalMilliseconds:F0} ms (allowed {prompt.TotalMilliseconds:F0}) while the streams filled the server (on the server: {answer.Timings})");

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

                clock.Restart();
                answer = await client.RestoreAsync(small, deadline: Soon());
                prompt = Prompt();
                Assert.True(clock.Elapsed < prompt, $"round {round}: a unary restore took {clock.Elapsed.TotalMilliseconds:F0} ms (allowed {prompt.TotalMilliseconds:F0}) with the streams stalled (on the server: {answer.Timings})");

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
