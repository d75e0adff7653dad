using HiNas.Nas.Latency;
using static TorchSharp.torch;

namespace HiNas.Search.Latency;

/// <summary>The budget penalty of a <see cref="LatencyObjective"/> as a differentiable expression for the architecture step.</summary>
public static class LatencyPenalty
{
    /// <summary>λ·ln²(E[latency] / target) of a 0-dimensional tensor of milliseconds; equals <see cref="LatencyObjective.Penalty(double)"/> in value.</summary>
    public static Tensor Penalty(this LatencyObjective objective, Tensor expectedMs) =>
        (expectedMs / objective.TargetMs).clamp_min(LatencyObjective.MinRatio).log().square() * objective.Weight;
}
