using System.Diagnostics;

namespace HiNas.Server.Restoration;

/// <summary>
/// Who gets the next place at the inference engine: fair queuing over lanes (a stream, or a connection's unary calls),
/// weighted by each frame's cost (its pixels). Each frame gets a virtual start tag, the later of the virtual time (the
/// start tag of the frame admitted last) and its lane's previous finish tag, and a finish tag, start + cost; the frame
/// with the smallest finish tag goes first. A lane that has been idle starts at the virtual time, so a light caller
/// (a small unary frame) goes next instead of waiting behind every backlogged stream, even behind a burst of streams
/// that opened together; backlogged lanes share the engine in proportion to cost, so a stream of 720p frames cannot
/// starve a stream of 360p ones, nor the other way round.
/// <para>
/// A place (<see cref="Admission"/>) covers a frame from its conversion to tensors until its output is converted back,
/// so the number of places bounds the frames holding float buffers. A waiter may carry a deadline: when it has no
/// place by then it is answered <c>null</c> (the caller answers the frame as dropped) instead of running late.
/// </para>
/// </summary>
public sealed class InferenceScheduler
{
    private readonly object _lock = new();
    private readonly SortedSet<Waiter> _waiting = new(WaiterOrder.Instance);
    private readonly Dictionary<string, double> _finishTags = new(StringComparer.Ordinal);
    private double _virtualTime;
    private long _arrivals;
    private int _inUse;

    public InferenceScheduler(int places)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(places, 1);
        Places = places;
    }

    /// <summary>Frames that may hold a place at once.</summary>
    public int Places { get; }

    /// <summary>Places held now.</summary>
    public int InUse
    {
        get { lock (_lock) return _inUse; }
    }

    /// <summary>Frames waiting for a place now.</summary>
    public int Waiting
    {
        get { lock (_lock) return _waiting.Count; }
    }

    /// <summary>
    /// Waits for a place for a frame of <paramref name="cost"/> in <paramref name="lane"/>. Completes with null when
    /// <paramref name="startBy"/> (a <see cref="Stopwatch"/> timestamp) passes first, at once when it has passed already.
    /// </summary>
    public Task<Admission?> AdmitAsync(string lane, double cost, long? startBy, CancellationToken cancellation)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(cost);
        cancellation.ThrowIfCancellationRequested();
        Waiter waiter;
        lock (_lock)
        {
            var start = Math.Max(_virtualTime, _finishTags.GetValueOrDefault(lane));
            waiter = new Waiter(lane, start, start + cost, ++_arrivals);
            if (_waiting.Count == 0 && _inUse < Places)
            {
                Grant(waiter);
                return Task.FromResult<Admission?>(new Admission(this, waiter));
            }
            if (startBy is { } by && Stopwatch.GetTimestamp() >= by) return Task.FromResult<Admission?>(null);
            _finishTags[lane] = waiter.Finish;
            _waiting.Add(waiter);
            waiter.Scheduler = this;
            if (startBy is { } deadline)
            {
                var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
                waiter.Timer = new Timer(static w => ((Waiter)w!).Scheduler!.Expire((Waiter)w!), waiter, left < TimeSpan.Zero ? TimeSpan.Zero : left, Timeout.InfiniteTimeSpan);
            }
            // the lock is re-entrant: a token cancelled meanwhile runs Cancel here, which finds the waiter queued
            waiter.Cancellation = cancellation.Register(static w => ((Waiter)w!).Scheduler!.Cancel((Waiter)w!), waiter);
        }
        return waiter.Result.Task;
    }

    /// <summary>Grants a place (under the lock); the virtual time moves to the start tag of the frame admitted.</summary>
    private void Grant(Waiter waiter)
    {
        _inUse++;
        _virtualTime = Math.Max(_virtualTime, waiter.Start);
        _finishTags[waiter.Lane] = Math.Max(_finishTags.GetValueOrDefault(waiter.Lane), waiter.Finish);
        if (_finishTags.Count > 4096) Prune();
    }

    /// <summary>
    /// The engine is idle: what lanes used before no longer counts against them. The virtual time moves past every
    /// finish tag, so that the next frames of all lanes start level (a caller that restored a large frame a minute ago
    /// does not wait behind streams that opened since).
    /// </summary>
    private void Forgive()
    {
        foreach (var finish in _finishTags.Values) _virtualTime = Math.Max(_virtualTime, finish);
        _finishTags.Clear();
    }

    /// <summary>Forgets lanes whose finish tag the virtual time has passed: they would start at the virtual time anyway.</summary>
    private void Prune()
    {
        foreach (var lane in _finishTags.Where(t => t.Value <= _virtualTime).Select(t => t.Key).ToList()) _finishTags.Remove(lane);
    }

    private void Release()
    {
        List<Waiter> granted = new();
        lock (_lock)
        {
            _inUse--;
            while (_inUse < Places && _waiting.Min is { } next)
            {
                _waiting.Remove(next);
                Grant(next);
                granted.Add(next);
            }
            if (_inUse == 0) Forgive();
        }
        foreach (var w in granted) Complete(w, new Admission(this, w));
    }

    private void Expire(Waiter waiter)
    {
        lock (_lock)
        {
            if (!_waiting.Remove(waiter)) return;
            Refund(waiter);
        }
        Complete(waiter, null);
    }

    private void Cancel(Waiter waiter)
    {
        lock (_lock)
        {
            if (!_waiting.Remove(waiter)) return;
            Refund(waiter);
        }
        waiter.Timer?.Dispose();
        waiter.Result.TrySetCanceled();
    }

    /// <summary>
    /// A frame that leaves without running is not charged to its lane (under the lock): the lane's frames that queued
    /// behind it (a connection's unary calls) move up by its cost, to no earlier than its own start, and so does the
    /// lane's finish tag.
    /// </summary>
    private void Refund(Waiter gone)
    {
        var cost = gone.Finish - gone.Start;
        foreach (var behind in _waiting.Where(w => w.Lane == gone.Lane && w.Arrival > gone.Arrival).ToList())
        {
            _waiting.Remove(behind);
            behind.MoveUp(Math.Min(cost, behind.Start - gone.Start));
            _waiting.Add(behind);
        }
        if (_finishTags.TryGetValue(gone.Lane, out var finish) && finish >= gone.Finish)
            _finishTags[gone.Lane] = Math.Max(gone.Start, finish - cost);
    }

    private static void Complete(Waiter waiter, Admission? admission)
    {
        waiter.Timer?.Dispose();
        waiter.Cancellation.Dispose();
        if (!waiter.Result.TrySetResult(admission)) admission?.Dispose();
    }

    /// <summary>A frame's place in the fair order: its finish tag, then its arrival.</summary>
    public readonly record struct Tag(double Finish, long Arrival);

    /// <summary>
    /// The frame of a place that could not run after all (past its start at the run gate) is not charged to its lane.
    /// Without this a stream stayed charged for a frame dropped at the gate, its next frame queued behind the others and
    /// missed its start more often: 8 equal game streams restored 1,956–2,394 frames each in 180 s of bench/soak's first
    /// phase (Jain's index 0.995), 2,030–2,052 with it (1.000).
    /// </summary>
    private void Refunded(Waiter granted)
    {
        lock (_lock) Refund(granted);
    }

    /// <summary>A place at the engine; disposing gives it to the next frame.</summary>
    public sealed class Admission : IDisposable
    {
        private InferenceScheduler? _scheduler;
        private readonly Waiter _frame;
        private int _refunded;

        internal Admission(InferenceScheduler scheduler, Waiter frame)
        {
            _scheduler = scheduler;
            _frame = frame;
            Order = frame.Tag;
        }

        /// <summary>The frame's place in the fair order, for the run gate.</summary>
        public Tag Order { get; }

        /// <summary>The frame did not run (it missed its start at the run gate): its lane is not charged for it. Once; before disposing.</summary>
        public void Refund()
        {
            if (Interlocked.Exchange(ref _refunded, 1) == 0) _scheduler?.Refunded(_frame);
        }

        public void Dispose() => Interlocked.Exchange(ref _scheduler, null)?.Release();
    }

    internal sealed class Waiter(string lane, double start, double finish, long arrival)
    {
        public string Lane { get; } = lane;
        public double Start { get; private set; } = start;
        public double Finish { get; private set; } = finish;
        public long Arrival { get; } = arrival;
        public Tag Tag => new(Finish, Arrival);

        /// <summary>Moves the frame's tags earlier by <paramref name="by"/> (a frame ahead of it in its lane left unserved).</summary>
        public void MoveUp(double by)
        {
            Start -= by;
            Finish -= by;
        }
        public InferenceScheduler? Scheduler { get; set; }
        public Timer? Timer { get; set; }
        public CancellationTokenRegistration Cancellation { get; set; }
        public TaskCompletionSource<Admission?> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class WaiterOrder : IComparer<Waiter>
    {
        public static readonly WaiterOrder Instance = new();

        public int Compare(Waiter? a, Waiter? b)
        {
            if (ReferenceEquals(a, b)) return 0;
            var byFinish = a!.Finish.CompareTo(b!.Finish);
            return byFinish != 0 ? byFinish : a.Arrival.CompareTo(b.Arrival);
        }
    }
}
