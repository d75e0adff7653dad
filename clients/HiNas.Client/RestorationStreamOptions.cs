using HiNas.Protocol.V1;

namespace HiNas.Client;

/// <summary>How <see cref="RestorationClient.OpenStreamAsync"/> configures a stream.</summary>
public sealed class RestorationStreamOptions
{
    /// <summary>The model to restore with (see <see cref="RestorationClient.ListModelsAsync"/>).</summary>
    public string ModelId { get; set; } = "";

    /// <summary>The pixel format of every frame of the stream.</summary>
    public PixelFormat Format { get; set; } = PixelFormat.Rgba8;

    /// <summary>Frames sent and not yet answered, at most (also the server's in-flight bound). Default 2.</summary>
    public int MaxInFlight { get; set; } = 2;

    /// <summary>
    /// DROP_OLDEST (games, default): one frame waits to be sent; a newer submit replaces it (answered as dropped).
    /// QUEUE (video): up to MaxInFlight frames wait; <see cref="RestorationStream.TrySubmit"/> returns false when full,
    /// and frames in flight when the connection breaks are sent again after reconnecting, so none is lost.
    /// </summary>
    public OverloadPolicy Policy { get; set; } = OverloadPolicy.DropOldest;

    /// <summary>
    /// DROP_OLDEST only: the most milliseconds from a frame's arrival at the server to its answer; a frame the server
    /// cannot start in time is answered dropped (<see cref="DropSource.Deadline"/>) instead of restored late.
    /// 0 (default) takes the server's default; must be 0 under QUEUE.
    /// </summary>
    public int MaxLatencyMs { get; set; }

    /// <summary>
    /// The frames' noise σ (0–255 scale; 0: clean) for a denoiser that takes it (<see cref="Model.TakesNoiseLevel"/>),
    /// within its sigma range; a frame may give its own (<see cref="RestorationStream.TrySubmit"/>). Null (default): the
    /// model's own σ.
    /// </summary>
    public double? Sigma { get; set; }

    /// <summary>Called on the stream's receive thread for every result, in order. Keep it short; copy the pixels out if needed later.</summary>
    public Action<StreamFrameResult>? OnResult { get; set; }

    /// <summary>Called when the connection breaks, reconnects, or the stream closes.</summary>
    public Action<StreamConnectionEvent>? OnConnectionChanged { get; set; }

    /// <summary>Back-off before the first reconnection attempt, doubled per attempt up to <see cref="MaxReconnectDelay"/>.</summary>
    public TimeSpan InitialReconnectDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest back-off between reconnection attempts.</summary>
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Attempts in a row before the stream gives up (closed with an error). Default 20.</summary>
    public int MaxReconnectAttempts { get; set; } = 20;

    /// <summary>Results kept for <see cref="RestorationStream.ReadResultsAsync"/> when nobody reads them (the oldest go first). Default 64.</summary>
    public int ResultBufferSize { get; set; } = 64;

    internal void Validate()
    {
        if (string.IsNullOrEmpty(ModelId)) throw new ArgumentException("ModelId is empty", nameof(ModelId));
        if (Format == PixelFormat.Unspecified || !Enum.IsDefined(typeof(PixelFormat), Format)) throw new ArgumentException($"Format '{Format}' is not RGBA8, BGRA8, RGB8 or GRAY8", nameof(Format));
        if (MaxInFlight < 1 || MaxInFlight > 64) throw new ArgumentOutOfRangeException(nameof(MaxInFlight), MaxInFlight, "must be in [1, 64]");
        if (Policy != OverloadPolicy.Queue && Policy != OverloadPolicy.DropOldest) throw new ArgumentException($"Policy '{Policy}' is not QUEUE or DROP_OLDEST", nameof(Policy));
        if (MaxLatencyMs < 0 || MaxLatencyMs > 60_000) throw new ArgumentOutOfRangeException(nameof(MaxLatencyMs), MaxLatencyMs, "must be in [0, 60000] ms");
        if (MaxLatencyMs != 0 && Policy == OverloadPolicy.Queue) throw new ArgumentException("MaxLatencyMs needs DROP_OLDEST: a QUEUE stream answers every frame", nameof(MaxLatencyMs));
        if (InitialReconnectDelay <= TimeSpan.Zero || MaxReconnectDelay < InitialReconnectDelay) throw new ArgumentException("need 0 < InitialReconnectDelay ≤ MaxReconnectDelay");
        if (MaxReconnectAttempts < 0) throw new ArgumentOutOfRangeException(nameof(MaxReconnectAttempts), MaxReconnectAttempts, "must be ≥ 0");
        if (ResultBufferSize < 1) throw new ArgumentOutOfRangeException(nameof(ResultBufferSize), ResultBufferSize, "must be ≥ 1");
    }

    internal static int BytesPerPixel(PixelFormat format) => format switch
    {
        PixelFormat.Rgba8 or PixelFormat.Bgra8 => 4,
        PixelFormat.Rgb8 => 3,
        _ => 1,
    };
}
