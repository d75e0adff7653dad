namespace HiNas.Imaging.Tasks;

/// <summary>
/// The factors a network may pixel-unshuffle its input by (the frame-time space; a model package's input multiple):
/// 1, 2 or 4 — they divide the sides frames, latency tables and graph-optimisation probes are measured at.
/// </summary>
public static class PixelUnshuffleFactor
{
    public static bool IsValid(int factor) => factor is 1 or 2 or 4;

    public const string Rule = "the pixel-unshuffle factor must be 1, 2 or 4";
}
