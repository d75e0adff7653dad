using HiNas.Protocol.V1;

namespace HiNas.Client;

/// <summary>Who dropped a frame.</summary>
public enum DropSource
{
    /// <summary>Not dropped.</summary>
    None,

    /// <summary>The client replaced it with a newer frame before sending it (drop policy).</summary>
    Client,

    /// <summary>The server dropped it for a newer frame (DROP_OLDEST) and said so.</summary>
    Server,

    /// <summary>It was in flight when the connection was lost (drop policy frames are not re-sent).</summary>
    Connection,

    /// <summary>The server could not answer it within the stream's max latency (DROP_OLDEST) and dropped it instead of restoring it late.</summary>
    Deadline,
}

/// <summary>The answer to one submitted frame.</summary>
public sealed class StreamFrameResult
{
    internal StreamFrameResult(ulong sequence, DropSource dropped, int width, int height, int stride, PixelFormat format, ReadOnlyMemory<byte> pixels, StageTimings? serverTimings, double roundTripMs)
    {
        Sequence = sequence;
        Dropped = dropped;
        Width = width;
        Height = height;
        Stride = stride;
        Format = format;
        Pixels = pixels;
        ServerTimings = serverTimings;
        RoundTripMs = roundTripMs;
    }

    /// <summary>The sequence number <see cref="RestorationStream.TrySubmit"/> gave the frame (0, 1, 2, … per stream).</summary>
    public ulong Sequence { get; }

    /// <summary>None when restored; otherwise who dropped it (then there are no pixels).</summary>
    public DropSource Dropped { get; }

    /// <summary>True when the frame came back restored.</summary>
    public bool IsRestored => Dropped == DropSource.None;

    /// <summary>Output size (× the model's scale) and row stride (tightly packed).</summary>
    public int Width { get; }

    /// <summary>Output height.</summary>
    public int Height { get; }

    /// <summary>Bytes between rows (width × bytes per pixel).</summary>
    public int Stride { get; }

    /// <summary>The stream's pixel format.</summary>
    public PixelFormat Format { get; }

    /// <summary>The restored pixels (owned by this result; valid as long as it is referenced).</summary>
    public ReadOnlyMemory<byte> Pixels { get; }

    /// <summary>Server time per stage (queue, pre-process, inference, post-process, total); null for frames the server never saw.</summary>
    public StageTimings? ServerTimings { get; }

    /// <summary>Milliseconds from <see cref="RestorationStream.TrySubmit"/> to the answer.</summary>
    public double RoundTripMs { get; }
}

/// <summary>A restored frame from the unary <see cref="RestorationClient.RestoreAsync"/>.</summary>
public sealed class RestoredFrame
{
    internal RestoredFrame(RawFrame frame, StageTimings timings)
    {
        Width = (int)frame.Width;
        Height = (int)frame.Height;
        Stride = (int)frame.Stride;
        Format = frame.Format;
        Pixels = frame.Pixels.Memory;
        ServerTimings = timings;
    }

    /// <summary>Output width (× the model's scale).</summary>
    public int Width { get; }
    /// <summary>Output height.</summary>
    public int Height { get; }
    /// <summary>Bytes between rows (tightly packed).</summary>
    public int Stride { get; }
    /// <summary>The input's pixel format.</summary>
    public PixelFormat Format { get; }
    /// <summary>The restored pixels.</summary>
    public ReadOnlyMemory<byte> Pixels { get; }
    /// <summary>Server time per stage.</summary>
    public StageTimings ServerTimings { get; }
}

/// <summary>A change of a stream's connection.</summary>
public sealed class StreamConnectionEvent
{
    internal StreamConnectionEvent(StreamConnectionState state, int attempt, TimeSpan delay, string? error)
    {
        State = state;
        Attempt = attempt;
        Delay = delay;
        Error = error;
    }

    /// <summary>What happened.</summary>
    public StreamConnectionState State { get; }

    /// <summary>The reconnection attempt (1, 2, …) for <see cref="StreamConnectionState.Reconnecting"/>.</summary>
    public int Attempt { get; }

    /// <summary>The back-off before that attempt.</summary>
    public TimeSpan Delay { get; }

    /// <summary>What broke the connection, or why the stream failed.</summary>
    public string? Error { get; }

    /// <summary>A one-line description for logs.</summary>
    public override string ToString() => Error is null ? $"{State}" : $"{State} (attempt {Attempt}, in {Delay.TotalMilliseconds:F0} ms): {Error}";
}

/// <summary>The states a stream's connection goes through.</summary>
public enum StreamConnectionState
{
    /// <summary>The stream is configured and frames flow (again).</summary>
    Connected,

    /// <summary>The connection broke; the stream waits <see cref="StreamConnectionEvent.Delay"/> and reconnects.</summary>
    Reconnecting,

    /// <summary>The stream ended: completed, disposed, or failed for good (see <see cref="StreamConnectionEvent.Error"/>).</summary>
    Closed,
}

/// <summary>Counters of a stream (a snapshot).</summary>
public readonly struct RestorationStreamStats
{
    internal RestorationStreamStats(long submitted, long restored, long dropped, int inFlight, int peakInFlight, int reconnects, long resultsOverflowed)
    {
        Submitted = submitted;
        Restored = restored;
        Dropped = dropped;
        InFlight = inFlight;
        PeakInFlight = peakInFlight;
        Reconnects = reconnects;
        ResultsOverflowed = resultsOverflowed;
    }

    /// <summary>Frames <see cref="RestorationStream.TrySubmit"/> took.</summary>
    public long Submitted { get; }
    /// <summary>Frames answered with restored pixels.</summary>
    public long Restored { get; }
    /// <summary>Frames answered as dropped (by the client, the server or a lost connection).</summary>
    public long Dropped { get; }

    /// <summary>Frames sent and not yet answered.</summary>
    public int InFlight { get; }

    /// <summary>The most frames ever sent and unanswered at once (never above MaxInFlight).</summary>
    public int PeakInFlight { get; }

    /// <summary>Times the connection was re-established.</summary>
    public int Reconnects { get; }

    /// <summary>Results discarded because nobody read <see cref="RestorationStream.ReadResultsAsync"/> in time.</summary>
    public long ResultsOverflowed { get; }
}
