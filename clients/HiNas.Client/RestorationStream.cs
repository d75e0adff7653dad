using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Google.Protobuf;
using Grpc.Core;
using HiNas.Protocol.V1;

namespace HiNas.Client;

/// <summary>
/// A RestoreStream call that a render loop can feed every tick without ever waiting on the network.
/// <para>
/// <see cref="TrySubmit"/> copies the frame into a pooled buffer and returns at once. A background loop sends
/// frames while fewer than MaxInFlight are unanswered, and a receive loop hands results to
/// <see cref="RestorationStreamOptions.OnResult"/> and <see cref="ReadResultsAsync"/>, in submit order (client-side
/// drops are reported when they happen). If the server goes away the stream reconnects with back-off, re-sends
/// unanswered frames under QUEUE and reports them dropped under DROP_OLDEST.
/// </para>
/// Thread-safety: TrySubmit may be called from any one thread at a time (the render thread); everything else is thread-safe.
/// </summary>
public sealed class RestorationStream : IAsyncDisposable
{
    private sealed class Frame
    {
        public ulong Sequence;
        public byte[] Buffer = Array.Empty<byte>();
        public int Length;
        public int Width;
        public int Height;
        public long Submitted;
        public double? Sigma;
    }

    private readonly Restoration.RestorationClient _client;
    private readonly RestorationStreamOptions _options;
    private readonly int _bytesPerPixel;
    private readonly object _gate = new();
    private readonly LinkedList<Frame> _pending = new();
    private readonly LinkedList<Frame> _sent = new();
    private readonly Queue<StreamFrameResult> _results = new();
    private readonly SemaphoreSlim _changed = new(0);
    private readonly SemaphoreSlim _resultsReady = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource<bool> _firstConnection = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _loop;
    private ulong _nextSequence;
    private bool _completing;
    private bool _closed;
    private long _submitted, _restored, _dropped, _overflowed;
    private int _peakInFlight, _reconnects;

    internal RestorationStream(Restoration.RestorationClient client, RestorationStreamOptions options)
    {
        _client = client;
        _options = options;
        _bytesPerPixel = RestorationStreamOptions.BytesPerPixel(options.Format);
    }

    /// <summary>The model as the server described it when the stream was accepted.</summary>
    public Model? Model { get; private set; }

    /// <summary>Why the stream closed for good, when it did.</summary>
    public string? Error { get; private set; }

    /// <summary>Counters so far (a consistent snapshot).</summary>
    public RestorationStreamStats Stats
    {
        get
        {
            lock (_gate) return new RestorationStreamStats(_submitted, _restored, _dropped, _sent.Count, _peakInFlight, _reconnects, _overflowed);
        }
    }

    internal async Task StartAsync(CancellationToken cancellation)
    {
        _loop = Task.Run(RunAsync);
        using (cancellation.Register(() => _firstConnection.TrySetCanceled()))
            await _firstConnection.Task.ConfigureAwait(false);
    }

    /// <summary>
    /// Queues a copy of the frame and returns at once. Returns false when the stream cannot take it now
    /// (QUEUE and MaxInFlight frames already wait) or has closed. Under DROP_OLDEST it always takes the frame,
    /// replacing the one waiting to be sent (answered as dropped by <see cref="DropSource.Client"/>).
    /// Throws <see cref="ArgumentException"/> for a frame that does not fit its own size or the stream's format.
    /// <paramref name="sigma"/>: this frame's noise σ (0: clean) for a model that takes it (<see cref="Model.TakesNoiseLevel"/>);
    /// null = the stream's (<see cref="RestorationStreamOptions.Sigma"/>). The server checks it against the model's range.
    /// </summary>
    public bool TrySubmit(ReadOnlySpan<byte> pixels, int width, int height, int stride, PixelFormat format, double? sigma = null)
    {
        if (format != _options.Format) throw new ArgumentException($"the stream was opened for {_options.Format}, not {format}", nameof(format));
        if (width <= 0 || height <= 0) throw new ArgumentException($"width and height must be positive, got {width}×{height}");
        var row = width * _bytesPerPixel;
        if (stride < row) throw new ArgumentException($"stride {stride} is smaller than a row ({row} bytes)", nameof(stride));
        var needed = (long)(height - 1) * stride + row;
        if (pixels.Length < needed) throw new ArgumentException($"{pixels.Length} bytes is less than the {needed} a {width}×{height} frame with stride {stride} needs", nameof(pixels));

        StreamFrameResult? replaced = null;
        lock (_gate)
        {
            if (_closed || _completing) return false;
            var slots = _options.Policy == OverloadPolicy.DropOldest ? 1 : _options.MaxInFlight;
            if (_pending.Count >= slots)
            {
                if (_options.Policy != OverloadPolicy.DropOldest) return false;
                var oldest = _pending.First!.Value;
                _pending.RemoveFirst();
                ArrayPool<byte>.Shared.Return(oldest.Buffer);
                _dropped++;
                replaced = new StreamFrameResult(oldest.Sequence, DropSource.Client, 0, 0, 0, _options.Format, ReadOnlyMemory<byte>.Empty, null, Elapsed(oldest.Submitted));
            }
            var frame = new Frame { Sequence = _nextSequence++, Width = width, Height = height, Length = row * height, Submitted = Stopwatch.GetTimestamp(), Sigma = sigma };
            frame.Buffer = ArrayPool<byte>.Shared.Rent(frame.Length);
            if (stride == row) pixels.Slice(0, frame.Length).CopyTo(frame.Buffer);
            else
                for (var y = 0; y < height; y++) pixels.Slice(y * stride, row).CopyTo(frame.Buffer.AsSpan(y * row, row));
            _pending.AddLast(frame);
            _submitted++;
        }
        _changed.Release();
        if (replaced is not null) Deliver(replaced);
        return true;
    }

    /// <summary>The results in order; ends when the stream closes. Only the newest <see cref="RestorationStreamOptions.ResultBufferSize"/> unread results are kept.</summary>
    public async IAsyncEnumerable<StreamFrameResult> ReadResultsAsync([EnumeratorCancellation] CancellationToken cancellation = default)
    {
        while (true)
        {
            StreamFrameResult? next = null;
            bool closed;
            lock (_gate)
            {
                if (_results.Count > 0) next = _results.Dequeue();
                closed = _closed;
            }
            if (next is not null)
            {
                yield return next;
                continue;
            }
            if (closed) yield break;
            await _resultsReady.WaitAsync(cancellation).ConfigureAwait(false);
        }
    }

    /// <summary>Stops taking frames, waits until every submitted frame is answered, and closes the stream.</summary>
    public async Task CompleteAsync(CancellationToken cancellation = default)
    {
        lock (_gate) _completing = true;
        _changed.Release();
        if (_loop is not null)
        {
            using (cancellation.Register(() => _stop.Cancel()))
                await _loop.ConfigureAwait(false);
        }
        if (Error is not null) throw new InvalidOperationException($"the stream failed: {Error}");
    }

    /// <summary>Ends the stream at once; frames not yet answered are reported dropped (<see cref="DropSource.Connection"/>).</summary>
    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        if (_loop is not null)
        {
            try
            {
                await _loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        var attempt = 0;
        try
        {
            while (true)
            {
                try
                {
                    await RunCallAsync(attempt).ConfigureAwait(false);
                    Close(null);
                    return;
                }
                catch (RpcException e) when (IsTransient(e.StatusCode) && !_stop.IsCancellationRequested)
                {
                    attempt++;
                    if (attempt > _options.MaxReconnectAttempts || !_firstConnection.Task.IsCompleted)
                    {
                        var error = $"{e.StatusCode}: {e.Status.Detail}";
                        _firstConnection.TrySetException(e);
                        Close(attempt > _options.MaxReconnectAttempts ? $"gave up after {attempt - 1} reconnection attempts ({error})" : error);
                        return;
                    }
                    var delay = TimeSpan.FromTicks(Math.Min(_options.MaxReconnectDelay.Ticks, _options.InitialReconnectDelay.Ticks << Math.Min(attempt - 1, 20)));
                    lock (_gate) _reconnects++;
                    _options.OnConnectionChanged?.Invoke(new StreamConnectionEvent(StreamConnectionState.Reconnecting, attempt, delay, $"{e.StatusCode}: {e.Status.Detail}"));
                    PrepareResend();
                    await Task.Delay(delay, _stop.Token).ConfigureAwait(false);
                }
                catch (RpcException e) when (!_stop.IsCancellationRequested)
                {
                    _firstConnection.TrySetException(e);
                    Close($"{e.StatusCode}: {e.Status.Detail}");
                    return;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException || _stop.IsCancellationRequested)
        {
            _firstConnection.TrySetCanceled();
            Close(null);
        }
        catch (Exception e)
        {
            _firstConnection.TrySetException(e);
            Close(e.Message);
        }
    }

    private static bool IsTransient(StatusCode code) => code is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown or StatusCode.Aborted or StatusCode.Cancelled or StatusCode.DeadlineExceeded;

    /// <summary>After a broken connection: QUEUE sends the unanswered frames again, DROP_OLDEST reports them dropped.</summary>
    private void PrepareResend()
    {
        var lost = new List<StreamFrameResult>();
        lock (_gate)
        {
            if (_options.Policy == OverloadPolicy.Queue)
            {
                for (var node = _sent.Last; node is not null; node = node.Previous) _pending.AddFirst(node.Value);
            }
            else
            {
                foreach (var f in _sent)
                {
                    lost.Add(new StreamFrameResult(f.Sequence, DropSource.Connection, 0, 0, 0, _options.Format, ReadOnlyMemory<byte>.Empty, null, Elapsed(f.Submitted)));
                    ArrayPool<byte>.Shared.Return(f.Buffer);
                    _dropped++;
                }
            }
            _sent.Clear();
        }
        foreach (var r in lost) Deliver(r);
    }

    private async Task RunCallAsync(int attempt)
    {
        using var callStop = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        using var call = _client.RestoreStream(cancellationToken: callStop.Token);
        var config = new StreamConfig { ModelId = _options.ModelId, Format = _options.Format, MaxInFlight = (uint)_options.MaxInFlight, OverloadPolicy = _options.Policy, MaxLatencyMs = (uint)_options.MaxLatencyMs };
        if (_options.Sigma is { } sigma) config.Sigma = sigma;
        await call.RequestStream.WriteAsync(new RestoreStreamRequest { Config = config }).ConfigureAwait(false);
        if (!await call.ResponseStream.MoveNext(callStop.Token).ConfigureAwait(false) || call.ResponseStream.Current.Accepted is not { } accepted)
            throw new RpcException(new Status(StatusCode.Unavailable, "the server ended the stream before accepting it"));
        Model = accepted.Model;
        _firstConnection.TrySetResult(true);
        if (attempt > 0) _options.OnConnectionChanged?.Invoke(new StreamConnectionEvent(StreamConnectionState.Connected, attempt, TimeSpan.Zero, null));

        var receiving = ReceiveAsync(call.ResponseStream, callStop.Token);
        try
        {
            while (true)
            {
                Frame? frame = null;
                bool done;
                lock (_gate)
                {
                    done = _completing && _pending.Count == 0;
                    if (!done && _pending.Count > 0 && _sent.Count < _options.MaxInFlight)
                    {
                        frame = _pending.First!.Value;
                        _pending.RemoveFirst();
                        _sent.AddLast(frame);
                        _peakInFlight = Math.Max(_peakInFlight, _sent.Count);
                    }
                }
                if (done) break;
                if (frame is null)
                {
                    var woke = _changed.WaitAsync(callStop.Token);
                    if (await Task.WhenAny(woke, receiving).ConfigureAwait(false) == receiving) await receiving.ConfigureAwait(false); // surfaces a broken call
                    await woke.ConfigureAwait(false);
                    continue;
                }
                var message = new StreamFrame
                {
                    Sequence = frame.Sequence, ClientTimestampUs = frame.Submitted / (Stopwatch.Frequency / 1_000_000),
                    Width = (uint)frame.Width, Height = (uint)frame.Height, Stride = (uint)(frame.Width * _bytesPerPixel),
                    Pixels = UnsafeByteOperations.UnsafeWrap(frame.Buffer.AsMemory(0, frame.Length)),
                };
                if (frame.Sigma is { } frameSigma) message.Sigma = frameSigma;
                await call.RequestStream.WriteAsync(new RestoreStreamRequest { Frame = message }).ConfigureAwait(false);
            }
            await call.RequestStream.CompleteAsync().ConfigureAwait(false);
            await receiving.ConfigureAwait(false);
        }
        finally
        {
            callStop.Cancel();
            try
            {
                await receiving.ConfigureAwait(false);
            }
            catch (Exception) when (callStop.IsCancellationRequested)
            {
                // the call is over; its error (if any) was thrown above
            }
        }
    }

    private async Task ReceiveAsync(IAsyncStreamReader<RestoreStreamResponse> responses, CancellationToken cancellation)
    {
        while (await responses.MoveNext(cancellation).ConfigureAwait(false))
        {
            if (responses.Current.Result is not { } r) continue;
            Frame? frame = null;
            lock (_gate)
            {
                for (var node = _sent.First; node is not null; node = node.Next)
                    if (node.Value.Sequence == r.Sequence)
                    {
                        frame = node.Value;
                        _sent.Remove(node);
                        break;
                    }
                if (frame is null) continue; // an answer to a frame of an earlier connection
                if (r.Dropped) _dropped++;
                else _restored++;
            }
            ArrayPool<byte>.Shared.Return(frame.Buffer);
            _changed.Release();
            Deliver(new StreamFrameResult(r.Sequence, !r.Dropped ? DropSource.None : r.DropReason == DropReason.Deadline ? DropSource.Deadline : DropSource.Server, (int)r.Width, (int)r.Height, (int)r.Stride,
                _options.Format, r.Pixels.Memory, r.Timings, Elapsed(frame.Submitted)));
        }
        lock (_gate)
            if (_sent.Count > 0 || (!_completing && !_stop.IsCancellationRequested))
                throw new RpcException(new Status(StatusCode.Unavailable, "the server closed the stream with frames unanswered"));
    }

    private void Deliver(StreamFrameResult result)
    {
        lock (_gate)
        {
            _results.Enqueue(result);
            while (_results.Count > _options.ResultBufferSize)
            {
                _results.Dequeue();
                _overflowed++;
            }
        }
        _resultsReady.Release();
        _options.OnResult?.Invoke(result);
    }

    private void Close(string? error)
    {
        List<StreamFrameResult> abandoned;
        lock (_gate)
        {
            if (_closed) return;
            _closed = true;
            Error = error;
            abandoned = _pending.Concat(_sent).Select(f => new StreamFrameResult(f.Sequence, DropSource.Connection, 0, 0, 0, _options.Format, ReadOnlyMemory<byte>.Empty, null, Elapsed(f.Submitted))).ToList();
            foreach (var f in _pending.Concat(_sent)) ArrayPool<byte>.Shared.Return(f.Buffer);
            _dropped += abandoned.Count;
            _pending.Clear();
            _sent.Clear();
        }
        foreach (var r in abandoned) Deliver(r);
        _resultsReady.Release();
        _options.OnConnectionChanged?.Invoke(new StreamConnectionEvent(StreamConnectionState.Closed, 0, TimeSpan.Zero, error));
    }

    private static double Elapsed(long since) => (Stopwatch.GetTimestamp() - since) * 1000.0 / Stopwatch.Frequency;
}
