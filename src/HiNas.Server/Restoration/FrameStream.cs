using System.Diagnostics;
using System.Threading.Channels;
using Google.Protobuf;
using Grpc.Core;
using HiNas.Inference.Engine;
using HiNas.Inference.Frames;
using HiNas.Protocol.V1;
using PixelFormat = HiNas.Inference.Frames.PixelFormat;
using StageTimings = HiNas.Protocol.V1.StageTimings;
using HiNas.Server.Observability;
using HiNas.Server.Rpc;
using Microsoft.Extensions.Logging;

namespace HiNas.Server.Restoration;

/// <summary>What a stream does with frames it cannot restore in time; see <see cref="FrameStream"/>.</summary>
/// <param name="MaxInFlight">Frames the stream may hold unanswered.</param>
/// <param name="DropOldest">DROP_OLDEST (else QUEUE: every frame restored, in order).</param>
/// <param name="MaxLatencyMs">DROP_OLDEST only: a frame that cannot be answered within this many milliseconds of its arrival is dropped; 0 = no deadline.</param>
public sealed record StreamPolicy(int MaxInFlight, bool DropOldest, int MaxLatencyMs);

/// <summary>
/// One configured RestoreStream call, a pipeline in arrival order: a reader takes frames off the wire, a preparer waits
/// for the frame's place at the engine (<see cref="InferenceScheduler"/>, fair across streams) and converts it into
/// the model's input, a runner runs the model behind the server's inference gate (up to
/// <see cref="Hosting.ServerOptions.MaxConcurrentInferences"/> of the stream's frames at once), a finisher converts the
/// output back to bytes and gives the place back, and a writer sends the answers in order. One frame's conversions
/// overlap the next ones' model runs.
/// <para>
/// Memory is bounded whatever the client does: at most <see cref="StreamPolicy.MaxInFlight"/> frames hold pixels
/// (waiting, being restored, or restored and waiting to be written), and their bytes come from the server-wide
/// <see cref="FrameMemory"/>; at most <c>4·MaxInFlight</c> answers are unwritten (dropped answers are small). Float
/// buffers exist only for frames holding a place at the engine. When the bound is reached, QUEUE stops reading (HTTP/2
/// flow control then holds the client back) and DROP_OLDEST drops the oldest frame that has not started, answering
/// it as dropped; with nothing left to drop it too stops reading.
/// </para>
/// <para>
/// Under DROP_OLDEST with a deadline, a frame that cannot start — take its place at the engine, then its model run —
/// in time to be answered within <see cref="StreamPolicy.MaxLatencyMs"/> of its arrival (the model's recent work for
/// a frame of its size is set aside) is answered as dropped for the deadline instead of restored late; an idle engine always takes
/// a frame, so the stream makes progress even when its frames take longer than the deadline.
/// </para>
/// </summary>
public sealed class FrameStream
{
    private static long _streams;

    private readonly FrameRestorer _restorer;
    private readonly RestorationModel _model;
    private readonly PixelFormat _format;
    private readonly StreamPolicy _policy;
    private readonly ServerMetrics _metrics;
    private readonly ILogger _logger;
    private readonly string _lane = $"stream/{Interlocked.Increment(ref _streams)}";

    private readonly SemaphoreSlim _unwritten;
    private readonly LinkedList<Slot> _pending = new();
    private readonly HashSet<Slot> _live = new();
    private int _heldFrames;
    private long _heldBytes;

    private readonly Channel<Slot> _work = Channel.CreateUnbounded<Slot>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly Channel<Slot> _ordered = Channel.CreateUnbounded<Slot>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly Channel<Slot> _prepared = Channel.CreateBounded<Slot>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
    private readonly Channel<Slot> _ran = Channel.CreateBounded<Slot>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = false });

    private readonly double? _sigma;

    /// <summary>
    /// Arrays of frames already sent, for the next frames' bytes (<see cref="InferenceEngine.Finish"/>): at most
    /// MaxInFlight + 1, of the last frame size.
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentStack<byte[]> _sentArrays = new();

    /// <param name="sigma">the stream's noise σ (checked: <see cref="FrameRestorer.CheckSigma"/>); a frame may give its own</param>
    public FrameStream(FrameRestorer restorer, RestorationModel model, PixelFormat format, StreamPolicy policy, ServerMetrics metrics, ILogger logger, double? sigma = null)
    {
        _sigma = sigma;
        _restorer = restorer;
        _model = model;
        _format = format;
        _policy = policy;
        _metrics = metrics;
        _logger = logger;
        _unwritten = new SemaphoreSlim(4 * policy.MaxInFlight);
    }

    /// <summary>Frames answered as dropped so far (for a newer frame or for the deadline).</summary>
    public int Dropped => _dropped;

    private int _dropped;

    /// <summary>One frame from its arrival until its answer is written.</summary>
    private sealed class Slot(StreamFrame frame, FrameLayout layout, long arrived, long bytes, double cost, double? sigma)
    {
        public double? Sigma { get; } = sigma;
        public StreamFrame? Frame { get; set; } = frame;
        public FrameLayout Layout { get; } = layout;
        public long Arrived { get; } = arrived;
        public long Bytes { get; } = bytes;
        public double Cost { get; } = cost;
        public ulong Sequence { get; } = frame.Sequence;
        public long ClientTimestamp { get; } = frame.ClientTimestampUs;
        public bool Dropped { get; set; }
        public bool Held { get; set; } = true;
        public InferenceScheduler.Admission? Admission { get; set; }
        public PreparedFrame? Prepared { get; set; }
        public double QueueMs { get; set; }

        /// <summary>The restored frame's bytes, until its answer is written.</summary>
        public byte[]? Output { get; set; }

        /// <summary>The answer: a restored frame, or a dropped one.</summary>
        public TaskCompletionSource<StreamResult> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Gives back the float buffers and the place at the engine (once).</summary>
        public void ReleaseEngine()
        {
            Prepared?.Dispose();
            Prepared = null;
            Admission?.Dispose();
            Admission = null;
        }
    }

    /// <summary>Runs the stream until the client completes its requests (after every answer is written) or the call fails.</summary>
    public async Task RunAsync(IAsyncStreamReader<RestoreStreamRequest> requests, IServerStreamWriter<RestoreStreamResponse> responses, CancellationToken callCancellation)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(callCancellation);
        var stages = new[]
        {
            Guard(ReadAsync(requests, stop.Token), stop),
            Guard(Task.Run(() => PrepareAsync(stop.Token), CancellationToken.None), stop),
            Guard(Task.Run(() => RunModelAsync(stop.Token), CancellationToken.None), stop),
            Guard(Task.Run(() => FinishAsync(stop.Token), CancellationToken.None), stop),
            Guard(WriteAsync(responses, stop.Token), stop),
        };
        try
        {
            await Task.WhenAll(stages);
        }
        catch
        {
            // Collected below: the first status error wins over the cancellations it caused.
        }
        ReleaseAll();
        var errors = stages.Where(t => t.IsFaulted).Select(t => t.Exception!.GetBaseException()).ToArray();
        if (errors.OfType<RpcException>().FirstOrDefault() is { } status) throw status;
        if (errors.FirstOrDefault(e => e is not OperationCanceledException) is { } unexpected) throw unexpected;
        callCancellation.ThrowIfCancellationRequested();
    }

    private static async Task Guard(Task task, CancellationTokenSource stop)
    {
        try
        {
            await task;
        }
        catch
        {
            stop.Cancel();
            throw;
        }
    }

    private async Task ReadAsync(IAsyncStreamReader<RestoreStreamRequest> requests, CancellationToken cancellation)
    {
        ulong? last = null;
        var index = 0L;
        try
        {
            while (await RoomAsync(cancellation) && await requests.MoveNext(cancellation))
            {
                var request = requests.Current;
                index++;
                if (request.MessageCase == RestoreStreamRequest.MessageOneofCase.Config)
                    throw RpcErrors.Precondition("config", $"message {index} configures the stream again; a stream is configured once, by its first message");
                if (request.MessageCase != RestoreStreamRequest.MessageOneofCase.Frame)
                    throw RpcErrors.Invalid("message", $"message {index} is neither a config nor a frame");
                var frame = request.Frame;
                var arrived = Stopwatch.GetTimestamp();
                var layout = FrameValidation.Check($"frame[{frame.Sequence}]", frame.Width, frame.Height, frame.Stride, _format, frame.Pixels.Length, _restorer.Options.MaxFramePixels);
                if (last is { } previous && frame.Sequence <= previous)
                    throw RpcErrors.Invalid($"frame[{frame.Sequence}].sequence", $"must increase within a stream (previous was {previous})");
                last = frame.Sequence;
                var sigma = frame.HasSigma ? FrameRestorer.CheckSigma(_model, $"frame[{frame.Sequence}].sigma", frame.Sigma) : _sigma;
                var bytes = FrameRestorer.HeldBytes(_model, layout, frame.Pixels.Length);
                Count(bytes); // in memory from now on, whatever happens next
                await AdmitAsync(cancellation);
                var slot = new Slot(frame, layout, arrived, bytes, FrameRestorer.Cost(_model, layout), sigma);
                lock (_pending)
                {
                    _pending.AddLast(slot);
                    _live.Add(slot);
                }
                _ordered.Writer.TryWrite(slot);
                _work.Writer.TryWrite(slot);
            }
        }
        finally
        {
            _work.Writer.TryComplete();
            _ordered.Writer.TryComplete();
        }
    }

    /// <summary>
    /// Before the next frame is read: waits while the stream has 4·MaxInFlight unwritten answers, or while the frames
    /// of all streams fill <see cref="FrameMemory"/> and this stream holds one (DROP_OLDEST drops its oldest waiting
    /// frame instead, when it has one). Always true; a frame read after it may take the budget beyond its limit by
    /// that frame.
    /// </summary>
    private async Task<bool> RoomAsync(CancellationToken cancellation)
    {
        await _unwritten.WaitAsync(cancellation);
        var memory = _restorer.Memory;
        while (true)
        {
            var released = memory.NextRelease();
            lock (_pending)
                if (_heldBytes == 0 || memory.Held < memory.Limit) return true;
            if (_policy.DropOldest && DropOldestWaiting()) continue;
            await released.WaitAsync(cancellation);
        }
    }

    /// <summary>Counts the bytes of a frame just read, against the stream and the server.</summary>
    private void Count(long bytes)
    {
        lock (_pending) _heldBytes += bytes;
        _restorer.Memory.Take(bytes);
    }

    /// <summary>Waits for one of the stream's MaxInFlight places for the frame just read, dropping the oldest waiting frame under DROP_OLDEST.</summary>
    private async Task AdmitAsync(CancellationToken cancellation)
    {
        var memory = _restorer.Memory;
        while (true)
        {
            var released = memory.NextRelease();
            lock (_pending)
                if (_heldFrames < _policy.MaxInFlight)
                {
                    _heldFrames++;
                    return;
                }
            if (_policy.DropOldest && DropOldestWaiting()) continue;
            await released.WaitAsync(cancellation);
        }
    }

    /// <summary>Gives a frame's bytes and place back (once): when it is answered as dropped, or its answer is written.</summary>
    private void Unhold(Slot slot)
    {
        lock (_pending)
        {
            if (!slot.Held) return;
            slot.Held = false;
            _heldFrames--;
            _heldBytes -= slot.Bytes;
        }
        _restorer.Memory.Give(slot.Bytes);
    }

    private bool DropOldestWaiting()
    {
        Slot victim;
        lock (_pending)
        {
            if (_pending.First is not { } first) return false;
            victim = first.Value;
        }
        return Drop(victim, DropReason.NewerFrame);
    }

    /// <summary>Answers a frame that has not started as dropped and lets its pixels go; false when it has started meanwhile.</summary>
    private bool Drop(Slot slot, DropReason reason)
    {
        lock (_pending)
        {
            if (slot.Dropped || slot.Admission is not null || !_pending.Remove(slot)) return false;
            slot.Dropped = true;
            slot.Frame = null;
        }
        AnswerDropped(slot, reason);
        return true;
    }

    /// <summary>Answers a frame that holds its place at the engine but could not start its model run in time as dropped for the deadline.</summary>
    private void DropLate(Slot slot)
    {
        slot.ReleaseEngine();
        slot.Frame = null;
        lock (_pending) slot.Dropped = true;
        AnswerDropped(slot, DropReason.Deadline);
    }

    /// <summary>The answer of a dropped frame (no pixels; its wait as queue and total time), counted, and its bytes given back.</summary>
    private void AnswerDropped(Slot slot, DropReason reason)
    {
        Interlocked.Increment(ref _dropped);
        _metrics.RecordDropped(_model.Id, reason);
        var waited = Stopwatch.GetElapsedTime(slot.Arrived).TotalMilliseconds;
        slot.Answer.TrySetResult(new StreamResult
        {
            Sequence = slot.Sequence, ClientTimestampUs = slot.ClientTimestamp, Dropped = true, DropReason = reason,
            Timings = new StageTimings { QueueMs = waited, TotalMs = waited },
        });
        Unhold(slot);
    }

    /// <summary>
    /// The latest moment a frame may start (take its place at the engine, then its model run) and still be answered in
    /// time: its arrival plus the deadline less the stream's recent work per frame (conversion in, model run,
    /// conversion out, as the server measures them for the model over all callers); null without a deadline.
    /// </summary>
    private long? StartBy(Slot slot)
    {
        if (!_policy.DropOldest || _policy.MaxLatencyMs <= 0) return null;
        var budgetMs = _policy.MaxLatencyMs - _restorer.WorkMs(_model, slot.Cost);
        return slot.Arrived + (long)(budgetMs * Stopwatch.Frequency / 1000.0);
    }

    private async Task PrepareAsync(CancellationToken cancellation)
    {
        try
        {
            await foreach (var next in _work.Reader.ReadAllAsync(cancellation))
            {
                var slot = next;
                if (slot.Dropped) continue;
                var admission = await _restorer.AdmitAsync(_lane, slot.Cost, StartBy(slot), cancellation);
                if (admission is null)
                {
                    Drop(slot, DropReason.Deadline);
                    continue;
                }
                lock (_pending)
                {
                    // Under DROP_OLDEST the frame may have been dropped while it waited; the place goes to the next one.
                    while (slot.Dropped && _work.Reader.TryRead(out var newer)) slot = newer;
                    if (!slot.Dropped)
                    {
                        _pending.Remove(slot);
                        slot.Admission = admission;
                    }
                }
                if (slot.Admission is null)
                {
                    admission.Dispose();
                    continue;
                }
                try
                {
                    slot.Prepared = InferenceEngine.Prepare(_model, slot.Frame!.Pixels.Span, slot.Layout, slot.Sigma);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    throw Failed(slot, e);
                }
                await _prepared.Writer.WriteAsync(slot, cancellation);
            }
        }
        finally
        {
            _prepared.Writer.TryComplete();
        }
    }

    /// <summary>
    /// Starts the model runs in arrival order, up to <see cref="Hosting.ServerOptions.MaxConcurrentInferences"/> of
    /// this stream's frames at once (the run gate shares the slots with other calls); the runs finish in any order,
    /// the writer answers in arrival order. A failed run ends the stream with its error. Ends only after its runs.
    /// </summary>
    private async Task RunModelAsync(CancellationToken cancellation)
    {
        using var running = new SemaphoreSlim(_restorer.Options.MaxConcurrentInferences);
        var runs = new List<Task>();
        try
        {
            await foreach (var slot in _prepared.Reader.ReadAllAsync(cancellation))
            {
                await running.WaitAsync(cancellation);
                runs.RemoveAll(r => r.IsCompleted);
                runs.Add(RunOneAsync(slot, running, cancellation));
            }
        }
        finally
        {
            // also when cancelled: a run still writing into its buffers must end before the stream gives them back
            await Task.WhenAll(runs);
            _ran.Writer.TryComplete();
        }
    }

    /// <summary>One frame's model run, its result handed to the finisher; never faults (a failure completes the finisher's channel with it).</summary>
    private async Task RunOneAsync(Slot slot, SemaphoreSlim running, CancellationToken cancellation)
    {
        try
        {
            double? queueMs;
            try
            {
                queueMs = await Task.Run(() => _restorer.RunAsync(slot.Admission!, slot.Prepared!, slot.Arrived, StartBy(slot), cancellation), CancellationToken.None);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw Failed(slot, e);
            }
            if (queueMs is null)
            {
                DropLate(slot); // its model run could not start in time
                return;
            }
            slot.QueueMs = queueMs.Value;
            await _ran.Writer.WriteAsync(slot, cancellation);
        }
        catch (Exception e)
        {
            _ran.Writer.TryComplete(e); // the finisher fails with it, which ends the stream
        }
        finally
        {
            running.Release();
        }
    }

    /// <summary>The output back to bytes, the place at the engine given back: a restored frame that waits for a slow reader holds bytes only.</summary>
    private async Task FinishAsync(CancellationToken cancellation)
    {
        await foreach (var slot in _ran.Reader.ReadAllAsync(cancellation))
        {
            StreamResult result;
            try
            {
                result = Finish(slot);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw Failed(slot, e);
            }
            finally
            {
                slot.ReleaseEngine();
            }
            slot.Answer.TrySetResult(result);
        }
    }

    private StreamResult Finish(Slot slot)
    {
        var frame = slot.Frame!;
        slot.Frame = null;
        var f = InferenceEngine.Finish(slot.Prepared!, frame.Pixels.Span, SentArray);
        slot.Output = f.Pixels;
        _restorer.Record(_model, slot.Cost, f, slot.QueueMs);
        var t = f.Timings;
        return new StreamResult
        {
            Sequence = slot.Sequence, ClientTimestampUs = slot.ClientTimestamp,
            Width = (uint)f.Width, Height = (uint)f.Height, Stride = (uint)f.Stride,
            Pixels = UnsafeByteOperations.UnsafeWrap(f.Pixels),
            Timings = new StageTimings
            {
                QueueMs = slot.QueueMs, PreprocessMs = t.PreprocessMs, InferenceMs = t.InferenceMs, PostprocessMs = t.PostprocessMs,
                TotalMs = Stopwatch.GetElapsedTime(slot.Arrived).TotalMilliseconds,
            },
        };
    }

    /// <summary>An array of <paramref name="size"/> bytes: one a sent frame held, or a new one.</summary>
    private byte[] SentArray(int size)
    {
        while (_sentArrays.TryPop(out var array))
            if (array.Length == size) return array;
        return new byte[size];
    }

    private RpcException Failed(Slot slot, Exception e)
    {
        _logger.LogError(e, "restoring frame {Sequence} with model {Model} failed", slot.Sequence, _model.Id);
        return new RpcException(new Status(StatusCode.Internal, $"frame[{slot.Sequence}]: restoration failed"));
    }

    private async Task WriteAsync(IServerStreamWriter<RestoreStreamResponse> responses, CancellationToken cancellation)
    {
        await foreach (var slot in _ordered.Reader.ReadAllAsync(cancellation))
        {
            var result = await slot.Answer.Task.WaitAsync(cancellation);
            await responses.WriteAsync(new RestoreStreamResponse { Result = result }, cancellation);
            // written (serialised into the transport): its bytes may hold a later frame's
            if (slot.Output is { } sent && _sentArrays.Count <= _policy.MaxInFlight) _sentArrays.Push(sent);
            slot.Output = null;
            lock (_pending) _live.Remove(slot);
            Unhold(slot);
            _unwritten.Release();
        }
    }

    /// <summary>A call that ended early: every frame it still holds gives back its bytes, buffers and place at the engine.</summary>
    private void ReleaseAll()
    {
        Slot[] live;
        long bytes;
        lock (_pending)
        {
            live = _live.ToArray();
            bytes = _heldBytes; // the frames still held, and a frame read but not yet admitted
            _heldBytes = 0;
            foreach (var slot in live) slot.Held = false;
        }
        foreach (var slot in live)
        {
            slot.ReleaseEngine();
            slot.Frame = null;
        }
        _restorer.Memory.Give(bytes);
    }
}
