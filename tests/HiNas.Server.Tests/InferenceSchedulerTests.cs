using System.Diagnostics;
using HiNas.Server.Restoration;

namespace HiNas.Server.Tests;

/// <summary>Places at the engine go fairly across lanes by cost, to newcomers first, and never to a frame past its deadline.</summary>
public sealed class InferenceSchedulerTests
{
    private static long In(TimeSpan t) => Stopwatch.GetTimestamp() + (long)(t.TotalSeconds * Stopwatch.Frequency);

    /// <summary>Runs <paramref name="rounds"/> grants with every lane always waiting (backlogged); returns the lanes in grant order.</summary>
    private static async Task<List<string>> Backlogged(InferenceScheduler scheduler, (string Lane, double Cost)[] lanes, int rounds)
    {
        var order = new List<string>();
        var holder = await scheduler.AdmitAsync("holder", 0, null, CancellationToken.None); // the one place: everyone waits
        var waiting = lanes.ToDictionary(l => l.Lane, l => scheduler.AdmitAsync(l.Lane, l.Cost, null, CancellationToken.None));
        var current = holder!;
        for (var i = 0; i < rounds; i++)
        {
            current.Dispose();
            var done = await Task.WhenAny(waiting.Values);
            var lane = waiting.First(w => w.Value == done).Key;
            order.Add(lane);
            current = (await done)!;
            waiting[lane] = scheduler.AdmitAsync(lane, lanes.First(l => l.Lane == lane).Cost, null, CancellationToken.None);
        }
        current.Dispose();
        return order;
    }

    [Fact]
    public async Task BackloggedLanes_ShareTheEngineInProportionToCost()
    {
        var equal = await Backlogged(new InferenceScheduler(1), [("a", 1), ("b", 1), ("c", 1)], 30);
        Assert.All(new[] { "a", "b", "c" }, lane => Assert.Equal(10, equal.Count(l => l == lane)));
        for (var i = 0; i + 2 < equal.Count; i += 3) Assert.Equal(3, equal.Skip(i).Take(3).Distinct().Count()); // round robin, not bursts

        // a lane of frames 4× as large gets a quarter of the frames, so both get the same engine time
        var weighted = await Backlogged(new InferenceScheduler(1), [("large", 4), ("small", 1)], 50);
        Assert.InRange(weighted.Count(l => l == "large"), 9, 11);
        Assert.InRange(weighted.Count(l => l == "small"), 39, 41);
    }

    [Fact]
    public async Task ANewcomer_GoesBeforeTheBackloggedLanes()
    {
        var scheduler = new InferenceScheduler(1);
        var held = await scheduler.AdmitAsync("busy-1", 1, null, CancellationToken.None);
        // two streams that have been busy for a while: their finish tags are ahead of the virtual time
        for (var i = 0; i < 5; i++)
        {
            var next = scheduler.AdmitAsync(i % 2 == 0 ? "busy-2" : "busy-1", 1, null, CancellationToken.None);
            held!.Dispose();
            held = await next;
        }
        var busy1 = scheduler.AdmitAsync("busy-1", 1, null, CancellationToken.None);
        var busy2 = scheduler.AdmitAsync("busy-2", 1, null, CancellationToken.None);
        var newcomer = scheduler.AdmitAsync("unary/1", 0.003, null, CancellationToken.None);
        Assert.Equal(3, scheduler.Waiting);

        held!.Dispose();
        Assert.Same(newcomer, await Task.WhenAny(busy1, busy2, newcomer));
        Assert.False(busy1.IsCompleted || busy2.IsCompleted);
        (await newcomer)!.Dispose();
        var second = await Task.WhenAny(busy1, busy2);
        (await second)!.Dispose();
        (await (second == busy1 ? busy2 : busy1))!.Dispose();
        Assert.Equal(0, scheduler.InUse);
    }

    [Fact]
    public async Task ASmallFrame_GoesBeforeABurstOfStreamsThatOpenedTogether()
    {
        var scheduler = new InferenceScheduler(1);
        var held = await scheduler.AdmitAsync("warm", 1, null, CancellationToken.None);
        var burst = Enumerable.Range(0, 8).Select(i => scheduler.AdmitAsync($"stream/{i}", 0.9, null, CancellationToken.None)).ToList();
        var unary = scheduler.AdmitAsync("unary/1", 0.003, null, CancellationToken.None);
        held!.Dispose();
        Assert.Same(unary, await Task.WhenAny(burst.Append(unary)));
        (await unary)!.Dispose();
        foreach (var next in burst) (await next)!.Dispose();
    }

    [Fact]
    public async Task WhatALaneUsedBeforeTheEngineWentIdle_DoesNotCountAgainstIt()
    {
        var scheduler = new InferenceScheduler(1);
        (await scheduler.AdmitAsync("unary/1", 0.9, null, CancellationToken.None))!.Dispose(); // a large frame, then idle
        var held = await scheduler.AdmitAsync("warm", 0.001, null, CancellationToken.None);
        var streams = Enumerable.Range(0, 4).Select(i => scheduler.AdmitAsync($"stream/{i}", 0.9, null, CancellationToken.None)).ToList();
        var unary = scheduler.AdmitAsync("unary/1", 0.003, null, CancellationToken.None);
        held!.Dispose();
        Assert.Same(unary, await Task.WhenAny(streams.Append(unary)));
        (await unary)!.Dispose();
        foreach (var next in streams) (await next)!.Dispose();
    }

    [Fact]
    public async Task AWaiterPastItsDeadline_IsAnsweredNull_AndHoldsNoPlace()
    {
        var scheduler = new InferenceScheduler(1);
        var held = await scheduler.AdmitAsync("a", 1, null, CancellationToken.None);

        var clock = Stopwatch.StartNew();
        var late = await scheduler.AdmitAsync("b", 1, In(TimeSpan.FromMilliseconds(80)), CancellationToken.None);
        Assert.Null(late);
        Assert.InRange(clock.ElapsedMilliseconds, 60, 2000);
        Assert.Equal(0, scheduler.Waiting);

        // already past: answered at once while the engine is busy
        Assert.Null(await scheduler.AdmitAsync("b", 1, In(TimeSpan.FromMilliseconds(-5)), CancellationToken.None));

        // a waiter whose place comes in time gets it
        var inTime = scheduler.AdmitAsync("b", 1, In(TimeSpan.FromSeconds(30)), CancellationToken.None);
        held!.Dispose();
        var granted = await inTime;
        Assert.NotNull(granted);
        granted!.Dispose();

        // a free engine takes even a late frame: a stream always makes progress
        var free = await scheduler.AdmitAsync("b", 1, In(TimeSpan.FromMilliseconds(-5)), CancellationToken.None);
        Assert.NotNull(free);
        free!.Dispose();
        Assert.Equal(0, scheduler.InUse);
    }

    [Fact]
    public async Task AFrameThatExpires_IsNotChargedToTheFramesQueuedBehindItInItsLane()
    {
        var scheduler = new InferenceScheduler(1);
        var held = await scheduler.AdmitAsync("warm", 0.001, null, CancellationToken.None);
        var expiring = scheduler.AdmitAsync("a", 1, In(TimeSpan.FromMilliseconds(80)), CancellationToken.None);
        var behind = scheduler.AdmitAsync("a", 1, null, CancellationToken.None); // queued behind it: finish tag 2 as it arrives
        Assert.Null(await expiring);
        var other = scheduler.AdmitAsync("b", 1, null, CancellationToken.None); // finish tag 1
        held!.Dispose();
        // lane a ran nothing: its second frame takes the first one's place (finish tag 1, and it came first)
        Assert.Same(behind, await Task.WhenAny(behind, other));
        (await behind)!.Dispose();
        (await other)!.Dispose();

        // and the lane's finish tag moved up with it: a's next frame goes level with b's, not behind a phantom frame
        held = await scheduler.AdmitAsync("warm", 0.001, null, CancellationToken.None);
        var expiringB = scheduler.AdmitAsync("b", 1, In(TimeSpan.FromMilliseconds(80)), CancellationToken.None);
        var queuedB = scheduler.AdmitAsync("b", 1, null, CancellationToken.None);
        Assert.Null(await expiringB);
        var nextA = scheduler.AdmitAsync("a", 1, null, CancellationToken.None);
        var nextB = scheduler.AdmitAsync("b", 1, null, CancellationToken.None);
        held!.Dispose();
        var order = new List<Task<InferenceScheduler.Admission?>>();
        var pending = new List<Task<InferenceScheduler.Admission?>> { queuedB, nextA, nextB };
        while (pending.Count > 0)
        {
            var done = await Task.WhenAny(pending);
            pending.Remove(done);
            order.Add(done);
            (await done)!.Dispose();
        }
        Assert.Equal(new[] { queuedB, nextA, nextB }, order);
        Assert.Equal((0, 0), (scheduler.InUse, scheduler.Waiting));
    }

    [Fact]
    public async Task AFrameThatGotAPlaceButDidNotRun_IsRefundedToItsLane()
    {
        var scheduler = new InferenceScheduler(2);
        var ran = await scheduler.AdmitAsync("a", 1, null, CancellationToken.None); // finish tag 1
        var held = await scheduler.AdmitAsync("warm", 0.001, null, CancellationToken.None);
        var behind = scheduler.AdmitAsync("a", 1, null, CancellationToken.None); // finish tag 2 as it arrives
        var other = scheduler.AdmitAsync("b", 1, null, CancellationToken.None); // finish tag 1
        ran!.Refund(); // it missed its start at the run gate
        ran.Dispose();
        Assert.Same(behind, await Task.WhenAny(behind, other)); // lane a ran nothing: level with b, and it came first
        held!.Dispose();
        (await behind)!.Dispose();
        (await other)!.Dispose();
        Assert.Equal((0, 0), (scheduler.InUse, scheduler.Waiting));
    }

    [Fact]
    public async Task ACancelledWaiter_LeavesTheQueue_AndTheNextOneGetsThePlace()
    {
        var scheduler = new InferenceScheduler(1);
        var held = await scheduler.AdmitAsync("a", 1, null, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var cancelled = scheduler.AdmitAsync("b", 1, null, cancel.Token);
        var next = scheduler.AdmitAsync("c", 1, null, CancellationToken.None);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.Equal(1, scheduler.Waiting);
        held!.Dispose();
        (await next)!.Dispose();
        Assert.Equal((0, 0), (scheduler.InUse, scheduler.Waiting));
    }

    [Fact]
    public async Task TheRunGate_TakesTheSmallestFinishTagFirst_AndDropsCancelledWaiters()
    {
        var gate = new RunGate(1);
        var running = (await gate.EnterAsync(new InferenceScheduler.Tag(0, 0), null, CancellationToken.None))!;
        using var cancel = new CancellationTokenSource();
        var late = gate.EnterAsync(new InferenceScheduler.Tag(2.0, 1), null, CancellationToken.None);
        var gone = gate.EnterAsync(new InferenceScheduler.Tag(0.5, 2), null, cancel.Token);
        var expired = gate.EnterAsync(new InferenceScheduler.Tag(0.1, 3), In(TimeSpan.FromMilliseconds(50)), CancellationToken.None);
        var small = gate.EnterAsync(new InferenceScheduler.Tag(1.0, 4), null, CancellationToken.None);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gone);
        Assert.Null(await expired); // could not start by its deadline: not run
        Assert.Null(await gate.EnterAsync(new InferenceScheduler.Tag(0, 5), In(TimeSpan.FromMilliseconds(-1)), CancellationToken.None)); // late, gate busy
        running.Dispose();
        Assert.Same(small, await Task.WhenAny(late, small));
        Assert.False(late.IsCompleted);
        (await small)!.Dispose();
        (await late)!.Dispose();
        (await gate.EnterAsync(new InferenceScheduler.Tag(5, 6), In(TimeSpan.FromMilliseconds(-1)), CancellationToken.None))!.Dispose(); // an idle gate takes even a late frame
    }
}
