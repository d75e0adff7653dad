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

/// <summary>
/// One configured RestoreStream call, a pipeline in arrival order: a reader task takes frames off the wire, a
/// preparer converts each into the model's input, a runner runs the model (behind the server's inference gate),
/// and a single writer loop converts the output back and sends the results in order — so the conversions of one
/// frame overlap the model run of the next.
/// <para>
/// Memory is bounded whatever the client does: at most <c>maxInFlight</c> frames hold pixels (waiting, being
/// restored, or restored and waiting to be written), and at most <c>4·maxInFlight</c> answers are unwritten
/// (dropped answers are small). When the bound is reached, QUEUE stops reading (HTTP/2 flow control then holds
/// the client back) and DROP_OLDEST drops the oldest frame that has not started, answering it as dropped; with
/// nothing left to drop it too stops reading.
/// </para>
/// </summary>
public sealed class FrameStream
{
    private readonly FrameRestorer _restorer;
    private readonly RestorationModel _model;
    private readonly PixelFormat _format;
    private readonly bool _dropOldest;
    private readonly ServerMetrics _metrics;
    private readonly ILogger _logger;

    private readonly SemaphoreSlim _held;
    private readonly SemaphoreSlim _unwritten;
    private readonly LinkedList<Slot> _pending = new();
    private readonly Channel<Slot> _work = Channel.CreateUnbounded<Slot>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly Channel<Slot> _ordered = Channel.CreateUnbounded<Slot>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly Channel<Slot> _prepared = Channel.CreateBounded<Slot>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });

    public FrameStream(FrameRestorer restorer, RestorationModel model, PixelFormat format, int maxInFlight, bool dropOldest, ServerMetrics metrics, ILogger logger)
    {
        _restorer = restorer;
        _model = model;
        _format = format;
        MaxInFlight = maxInFlight;
        _dropOldest = dropOldest;
        _metrics = metrics;
        _logger = logger;
        _held = new SemaphoreSlim(maxInFlight);
        _unwritten = new SemaphoreSlim(4 * maxInFlight);
    }

    public int MaxInFlight { get; }

    /// <summary>Frames answered as dropped so far.</summary>
    public int Dropped { get; private set; }

    /// <summary>One frame from its arrival until its answer is written.</summary>
    private sealed class Slot(StreamFrame frame, FrameLayout layout, long arrived)
    {
        public StreamFrame? Frame { get; set; } = frame;
        public FrameLayout Layout { get; } = layout;
        public long Arrived { get; } = arrived;
        public ulong Sequence { get; } = frame.Sequence;
        public long ClientTimestamp { get; } = frame.ClientTimestampUs;
        public bool Started { get; set; }
        public bool Dropped { get; set; }
        public PreparedFrame? Prepared { get; set; }
        public double QueueMs { get; set; }

        /// <summary>Completes with a dropped result, or with null once the model has run (the writer finishes the frame).</summary>
        public TaskCompletionSource<StreamResult?> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Runs the stream until the client completes its requests (after every answer is written) or the call fails.</summary>
    public async Task RunAsync(IAsyncStreamReader<RestoreStreamRequest> requests, IServerStreamWriter<RestoreStreamResponse> responses, CancellationToken callCancellation)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(callCancellation);
        var reader = Guard(ReadAsync(requests, stop.Token), stop);
        var preparer = Guard(Task.Run(() => PrepareAsync(stop.Token), CancellationToken.None), stop);
        var runner = Guard(Task.Run(() => RunModelAsync(stop.Token), CancellationToken.None), stop);
        var writer = Guard(WriteAsync(responses, stop.Token), stop);
        try
        {
            await Task.WhenAll(reader, preparer, runner, writer);
        }
        catch
        {
            // Collected below: the first status error wins over the cancellations it caused.
        }
        ReleaseLeases();
        var errors = new[] { reader, preparer, runner, writer }.Where(t => t.IsFaulted).Select(t => t.Exception!.GetBaseException()).ToArray();
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
            while (await requests.MoveNext(cancellation))
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
                await AdmitAsync(cancellation);
                var slot = new Slot(frame, layout, arrived);
                lock (_pending) _pending.AddLast(slot);
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

    /// <summary>Waits for room for one more frame, dropping the oldest waiting frame under DROP_OLDEST.</summary>
    private async Task AdmitAsync(CancellationToken cancellation)
    {
        await _unwritten.WaitAsync(cancellation);
        if (_held.Wait(0)) return;
        if (_dropOldest && DropOldestWaiting() && _held.Wait(0)) return;
        await _held.WaitAsync(cancellation);
    }

    private bool DropOldestWaiting()
    {
        Slot victim;
        lock (_pending)
        {
            if (_pending.First is not { } first) return false;
            victim = first.Value;
            _pending.RemoveFirst();
            victim.Dropped = true;
            victim.Frame = null; // let its pixels go now
        }
        Dropped++;
        _metrics.RecordDropped(_model.Id);
        victim.Answer.TrySetResult(new StreamResult { Sequence = victim.Sequence, ClientTimestampUs = victim.ClientTimestamp, Dropped = true, Timings = new StageTimings { QueueMs = Stopwatch.GetElapsedTime(victim.Arrived).TotalMilliseconds } });
        _held.Release();
        return true;
    }

    private async Task PrepareAsync(CancellationToken cancellation)
    {
        try
        {
            await foreach (var slot in _work.Reader.ReadAllAsync(cancellation))
            {
                lock (_pending)
                {
                    if (slot.Dropped) continue;
                    _pending.Remove(slot);
                    slot.Started = true;
                }
                try
                {
                    slot.Prepared = InferenceEngine.Prepare(_model, slot.Frame!.Pixels.Span, slot.Layout);
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

    private async Task RunModelAsync(CancellationToken cancellation)
    {
        await foreach (var slot in _prepared.Reader.ReadAllAsync(cancellation))
        {
            try
            {
                slot.QueueMs = await _restorer.RunAsync(slot.Prepared!, slot.Arrived, cancellation);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw Failed(slot, e);
            }
            slot.Answer.TrySetResult(null);
        }
    }

    private RpcException Failed(Slot slot, Exception e)
    {
        _logger.LogError(e, "restoring frame {Sequence} with model {Model} failed", slot.Sequence, _model.Id);
        return new RpcException(new Status(StatusCode.Internal, $"frame[{slot.Sequence}]: restoration failed: {e.Message}"));
    }

    /// <summary>Gives back the buffers of frames that were prepared but never written (a call that ended early).</summary>
    private void ReleaseLeases()
    {
        while (_prepared.Reader.TryRead(out var slot)) slot.Prepared?.Dispose();
        while (_ordered.Reader.TryRead(out var slot)) slot.Prepared?.Dispose();
    }

    private async Task WriteAsync(IServerStreamWriter<RestoreStreamResponse> responses, CancellationToken cancellation)
    {
        await foreach (var slot in _ordered.Reader.ReadAllAsync(cancellation))
        {
            StreamResult result;
            try
            {
                result = await slot.Answer.Task.WaitAsync(cancellation) ?? Finish(slot);
            }
            finally
            {
                slot.Prepared?.Dispose();
            }
            await responses.WriteAsync(new RestoreStreamResponse { Result = result }, cancellation);
            if (!result.Dropped) _held.Release();
            _unwritten.Release();
        }
    }

    /// <summary>The writer's part of a restored frame: the output back to bytes, the result message, the metrics.</summary>
    private StreamResult Finish(Slot slot)
    {
        var frame = slot.Frame!;
        slot.Frame = null;
        var f = InferenceEngine.Finish(slot.Prepared!, frame.Pixels.Span);
        _restorer.Record(_model.Id, f, slot.QueueMs);
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
}
