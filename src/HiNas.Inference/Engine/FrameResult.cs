using HiNas.Inference.Frames;

namespace HiNas.Inference.Engine;

/// <summary>Milliseconds spent in each stage of one frame.</summary>
public readonly record struct StageTimings(double PreprocessMs, double InferenceMs, double PostprocessMs)
{
    public double TotalMs => PreprocessMs + InferenceMs + PostprocessMs;
}

/// <summary>A restored frame: tightly packed pixels (stride = width·bytes per pixel) in the input's format.</summary>
public sealed record FrameResult(byte[] Pixels, int Width, int Height, int Stride, PixelFormat Format, StageTimings Timings);
