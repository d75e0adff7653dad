using System.Globalization;
using HiNas.Imaging.Tasks;
using HiNas.Nas.Space;

namespace HiNas.Nas.Latency;

/// <summary>
/// Names of the parts a derived network is made of, as the latency table keys them. A network's latency is
/// modelled as the sum of its parts run one after another: the stem, per layer the two 1×1 projections, the
/// cell's operations, its node additions and its concatenation, and the head with the task's residual.
/// </summary>
public static class LatencyKeys
{
    public static string Stem(int imageChannels, int stemChannels, int s0Channels, int s1Channels) =>
        Invariant($"stem:{imageChannels}-{stemChannels}-{s0Channels}-{s1Channels}");

    /// <summary>LeakyReLU + 1×1 conv (+ folded BN) from <paramref name="inChannels"/> to <paramref name="outChannels"/>.</summary>
    public static string Projection(int inChannels, int outChannels) => Invariant($"proj:{inChannels}-{outChannels}");

    /// <summary>A cell operation at <paramref name="channels"/>; "skip" and "none" cost nothing and have no entry.</summary>
    public static string Operation(Operation op, int channels) => Invariant($"op:{op.Key}:{channels}");

    public static string Add(int channels) => Invariant($"add:{channels}");

    public static string Concat(int blocks, int channels) => Invariant($"concat:{blocks}x{channels}");

    /// <summary>The head on <paramref name="inChannels"/> channels plus the task's residual (subtraction, or bicubic upsampling and addition).</summary>
    public static string Head(int inChannels, RestorationTask task) => Invariant($"head:{inChannels}-{task.Channels}-x{task.Scale}");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
