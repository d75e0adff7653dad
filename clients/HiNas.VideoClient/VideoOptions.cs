namespace HiNas.VideoClient;

/// <summary>What to restore and how (the command line, resolved).</summary>
public sealed record VideoOptions
{
    public required string Input { get; init; }
    public required string Output { get; init; }
    public required string ModelId { get; init; }
    public Uri Server { get; init; } = new("http://127.0.0.1:5080");

    /// <summary>The key sent to a server that requires one for Restoration.</summary>
    public string? Key { get; init; }

    /// <summary>"denoise" or "sr" when the user named one: the model must be of that task.</summary>
    public string? Task { get; init; }

    public int MaxInFlight { get; init; } = 4;

    /// <summary>The video's noise σ for a denoiser that takes it (null: the model's own).</summary>
    public double? Sigma { get; init; }

    /// <summary>The ffmpeg video encoder (libx264 by default; ffv1 for lossless).</summary>
    public string Codec { get; init; } = "libx264";

    /// <summary>x264/x265 constant rate factor.</summary>
    public int Crf { get; init; } = 18;

    /// <summary>The ffmpeg program (ffprobe is looked up next to it).</summary>
    public string Ffmpeg { get; init; } = "ffmpeg";

    public bool Overwrite { get; init; }
}
