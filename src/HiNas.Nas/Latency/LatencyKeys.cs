using System.Globalization;
using HiNas.Imaging.Tasks;
using HiNas.Nas.Space;

namespace HiNas.Nas.Latency;

/// <summary>
/// Names of the parts a derived network is made of, as the latency table keys them. A network's latency is
/// modelled as the sum of its parts run one after another: the stem, per layer the two 1×1 projections, the
/// cell's operations, its node additions and its concatenation, and the head with the task's residual. In the
/// frame-time space (pixel-unshuffle r &gt; 1) every part but the residual runs at 1/r of each side and its key ends in
/// "/r" (the stem's includes the unshuffle and its 1×1 projections; the head's its pixel shuffle and the residual).
/// The parts of fused cells (<see cref="CellForm.Fused"/>: linear operations and projections, a node's addition with
/// its ReLU; a stem without projections where the channels already match; a head without LeakyReLU) compute something
/// else than the paper's and are keyed apart ("f" before the part's name), so that
/// a table measured for one form is never read for the other.
/// </summary>
public static class LatencyKeys
{
    /// <summary>
    /// The stem of <paramref name="space"/> on its task's image: its convolution and activation and its projections onto
    /// the first s0 (B·C₀ channels) and s1 (C₀), none of them in fused form where the stem already has those channels
    /// (<see cref="SearchSpace.Projects"/>).
    /// </summary>
    public static string Stem(SearchSpace space)
    {
        var c0 = space.NodeChannels(0);
        return Of(space.Form) + Invariant($"stem:{space.Task.Channels}-{space.StemChannels}-{space.Blocks * c0}-{c0}") + At(space.PixelUnshuffle);
    }

    /// <summary>(LeakyReLU, in the paper's form) + 1×1 conv (+ folded BN) from <paramref name="inChannels"/> to <paramref name="outChannels"/>.</summary>
    public static string Projection(int inChannels, int outChannels, int pixelUnshuffle, CellForm form) =>
        Of(form) + Invariant($"proj:{inChannels}-{outChannels}") + At(pixelUnshuffle);

    /// <summary>A cell operation at <paramref name="channels"/>; "skip" and "none" cost nothing and have no entry.</summary>
    public static string Operation(Operation op, int channels, int pixelUnshuffle, CellForm form) =>
        Of(form) + Invariant($"op:{op.Key}:{channels}") + At(pixelUnshuffle);

    /// <summary>A node's addition of its two edges (and, fused, the ReLU after it).</summary>
    public static string Add(int channels, int pixelUnshuffle, CellForm form) => Of(form) + Invariant($"add:{channels}") + At(pixelUnshuffle);

    public static string Concat(int blocks, int channels, int pixelUnshuffle) => Invariant($"concat:{blocks}x{channels}") + At(pixelUnshuffle);

    /// <summary>
    /// The light head of <paramref name="space"/> on <paramref name="inChannels"/> channels plus the task's residual
    /// (subtraction, or bicubic upsampling and addition); "head-sep" when its convolution is separable; in fused form
    /// without the LeakyReLU before it.
    /// </summary>
    public static string Head(SearchSpace space, int inChannels) =>
        Of(space.Form) + Invariant($"head{(space.HeadConv == ConvStyle.Separable ? "-sep" : "")}:{inChannels}-{space.Task.Channels}-x{space.Task.Scale}") + At(space.PixelUnshuffle);

    private static string Of(CellForm form) => form == CellForm.Paper ? "" : "f";

    private static string At(int pixelUnshuffle) => pixelUnshuffle == 1 ? "" : Invariant($"/{pixelUnshuffle}");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
