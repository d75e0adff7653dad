namespace HiNas.Server.Restoration;

/// <summary>
/// The model runs themselves: at most <see cref="Slots"/> at once (<see cref="Hosting.ServerOptions.MaxConcurrentInferences"/>),
/// the waiting frame with the smallest finish tag first (<see cref="InferenceScheduler"/>), so that the fair order of
/// the places also holds at the engine: a small frame that got its place goes before the large ones admitted earlier.
/// </summary>
public sealed class RunGate
{
    private readonly object _lock = new();
    private readonly SortedSet<Waiter> _waiting = new(Comparer<Waiter>.Create((a, b) =>
        ReferenceEquals(a, b) ? 0 : a.Order.Finish != b.Order.Finish ? a.Order.Finish.CompareTo(b.Order.Finish) : a.Order.Arrival.CompareTo(b.Order.Arrival)));
    private int _free;

    public RunGate(int slots)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        Slots = _free = slots;
    }

    public int Slots { get; }

    /// <summary>Runs waiting for a slot.</summary>
    public int Waiting
    {
        get
        {
            lock (_lock) return _waiting.Count;
        }
    }

    /// <summary>
    /// Waits for a run slot in the order of <paramref name="order"/>; dispose the result to give it back. Null when
    /// <paramref name="startBy"/> (a <see cref="System.Diagnostics.Stopwatch"/> timestamp) passes first.
    /// </summary>
    public Task<IDisposable?> EnterAsync(InferenceScheduler.Tag order, long? startBy, CancellationToken cancellation)
    {
        cancellation.ThrowIfCancellationRequested();
        var waiter = new Waiter(order, this);
        lock (_lock)
        {
            if (_free > 0 && _waiting.Count == 0)
            {
                _free--;
                return Task.FromResult<IDisposable?>(new Slot(this));
            }
            if (startBy is { } by && System.Diagnostics.Stopwatch.GetTimestamp() >= by) return Task.FromResult<IDisposable?>(null);
            _waiting.Add(waiter);
            if (startBy is { } deadline)
            {
                var left = System.Diagnostics.Stopwatch.GetElapsedTime(System.Diagnostics.Stopwatch.GetTimestamp(), deadline);
                waiter.Timer = new Timer(static w => ((Waiter)w!).Gate.Expire((Waiter)w!), waiter, left < TimeSpan.Zero ? TimeSpan.Zero : left, Timeout.InfiniteTimeSpan);
            }
            // the lock is re-entrant: a token cancelled meanwhile runs Cancel here, which finds the waiter queued
            waiter.Registration = cancellation.Register(static w => ((Waiter)w!).Gate.Cancel((Waiter)w!), waiter);
        }
        return waiter.Result.Task;
    }

    private void Cancel(Waiter waiter)
    {
        lock (_lock)
            if (!_waiting.Remove(waiter)) return;
        waiter.Timer?.Dispose();
        waiter.Result.TrySetCanceled();
    }

    private void Expire(Waiter waiter)
    {
        lock (_lock)
            if (!_waiting.Remove(waiter)) return;
        waiter.Timer?.Dispose();
        waiter.Registration.Dispose();
        waiter.Result.TrySetResult(null);
    }

    private void Release()
    {
        Waiter? next;
        lock (_lock)
        {
            next = _waiting.Min;
            if (next is null)
            {
                _free++;
                return;
            }
            _waiting.Remove(next);
        }
        next.Timer?.Dispose();
        next.Registration.Dispose();
        if (!next.Result.TrySetResult(new Slot(this))) Release();
    }

    private sealed class Slot(RunGate gate) : IDisposable
    {
        private RunGate? _gate = gate;

        public void Dispose() => Interlocked.Exchange(ref _gate, null)?.Release();
    }

    private sealed class Waiter(InferenceScheduler.Tag order, RunGate gate)
    {
        public InferenceScheduler.Tag Order { get; } = order;
        public RunGate Gate { get; } = gate;
        public CancellationTokenRegistration Registration { get; set; }
        public Timer? Timer { get; set; }
        public TaskCompletionSource<IDisposable?> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
