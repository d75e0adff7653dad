using HiNas.Nas.Space;
using HiNas.Search.Operations;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using HiNas.Search.Export;

namespace HiNas.Search.Networks;

/// <summary>
/// The stem of a space: 3×3 conv (image channels → stem channels), activated, then a projection to B·C₀
/// channels (the first s0) and one to C₀ channels (the first s1), 3×3 at full resolution and 1×1 in the frame-time
/// space (pixel-unshuffle r &gt; 1, whose input is first pixel-unshuffled: image channels · r²). In the paper's form
/// the convolution is BatchNorm'd, the activation LeakyReLU, and both projections are always there. In fused form (<see cref="CellForm.Fused"/>) the
/// stem is a plain stack's first layer: a convolution with a bias and no BatchNorm, then ReLU, which ONNX Runtime folds
/// into the convolution; a projection onto as many channels as the stem's is left out (<see cref="SearchSpace.Projects"/>,
/// the rule the cells follow). A BatchNorm on the first layer normalises the noisy image's own statistics over the
/// batch: measured (σ 25 RGB, 4,000 iterations, bench/search-recipe's schedule, seed 1), FFDNet 7 × 48's stack written in
/// the fused space went from 32.31 dB of validation PSNR (28.92 on the evaluation photographs) with a BatchNorm'd stem
/// to 32.62 (29.12) without, the hand design itself scoring 32.51 (29.06).
/// </summary>
public sealed class Stem : Module<Tensor, (Tensor S0, Tensor S1)>
{
    private readonly TorchSharp.Modules.Conv2d conv;
    private readonly ScalarFreeBatchNorm2d? bn;
    private readonly Module<Tensor, Tensor> act;
    private readonly TorchSharp.Modules.Conv2d? to_s0;
    private readonly TorchSharp.Modules.Conv2d? to_s1;

    private readonly int _unshuffle;
    private readonly bool _paper;

    /// <param name="imageChannels">the channels the network reads: the task's, one more with a noise-level map</param>
    public Stem(long imageChannels, SearchSpace space) : base(nameof(Stem))
    {
        _unshuffle = space.PixelUnshuffle;
        _paper = space.Form == CellForm.Paper;
        var c0 = space.NodeChannels(0);
        var projection = _unshuffle > 1 ? 1 : 3;
        TorchSharp.Modules.Conv2d? Projection(int channels) =>
            space.Projects(space.StemChannels, channels) ? Conv2d(space.StemChannels, channels, projection, padding: projection / 2, bias: false) : null;
        conv = Conv2d(imageChannels * _unshuffle * _unshuffle, space.StemChannels, 3, padding: 1, bias: !_paper);
        if (_paper) bn = new ScalarFreeBatchNorm2d(space.StemChannels);
        act = _paper ? LeakyReLU(ReluConvBn.Slope) : ReLU();
        to_s0 = Projection(space.Blocks * c0);
        to_s1 = Projection(c0);
        RegisterComponents();
    }

    public override (Tensor S0, Tensor S1) forward(Tensor x)
    {
        using var input = PixelUnshuffling.In(x, _unshuffle);
        using var convolved = conv.call(input);
        using var h = act.call(bn is null ? convolved : bn.call(convolved));
        return (to_s0?.call(h) ?? h.alias(), to_s1?.call(h) ?? h.alias());
    }

    /// <summary>The stem's graph: the first s0 and s1.</summary>
    public (string S0, string S1) Emit(IGraphEmitter g, string x)
    {
        var stem = g.Conv(PixelUnshuffling.Emit(g, x, _unshuffle), FoldedConv.From(conv, bn));
        var h = _paper ? g.LeakyRelu(stem, ReluConvBn.Slope) : g.Relu(stem);
        return (to_s0 is null ? h : g.Conv(h, FoldedConv.From(to_s0)), to_s1 is null ? h : g.Conv(h, FoldedConv.From(to_s1)));
    }
}
