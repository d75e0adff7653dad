namespace HiNas.Server.Restoration;

/// <summary>
/// The bytes of frames that streams hold (a frame's pixels from its arrival, its output until written), bounded over
/// all streams by <see cref="Hosting.ServerOptions.MaxHeldFrameBytes"/>: a stream reads its next frame only while the
/// budget has room or it holds none, so a stream is never starved by others that hold the budget (for example, clients
/// that never read). A frame read counts at once, so the bound is the budget plus one frame per stream.
/// </summary>
public sealed class FrameMemory
{
    private readonly object _lock = new();
    private TaskCompletionSource _released = NewSignal();

    public FrameMemory(long limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        Limit = limit;
    }

    public long Limit { get; }

    /// <summary>Bytes held now.</summary>
    public long Held
    {
        get { lock (_lock) return field; }
        private set => field = value;
    }

    /// <summary>Counts <paramref name="bytes"/> that are in memory now (callers check <see cref="Held"/> against <see cref="Limit"/> before they read more).</summary>
    public void Take(long bytes)
    {
        lock (_lock) Held += bytes;
    }

    /// <summary>Completes at the next <see cref="Give"/>; take it before trying, so that a release in between is not missed.</summary>
    public Task NextRelease()
    {
        lock (_lock) return _released.Task;
    }

    public void Give(long bytes)
    {
        TaskCompletionSource released;
        lock (_lock)
        {
            Held -= bytes;
            released = _released;
            _released = NewSignal();
        }
        released.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
