using HiNas.Search.Operations;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using HiNas.Search.Export;

namespace HiNas.Search.Networks;

/// <summary>
/// 3×3 conv (image channels → stem channels) + BN + LeakyReLU, then two 3×3 convs: one to B·F channels
/// (the first s0) and one to F channels (the first s1). In the frame-time space (pixel-unshuffle r &gt; 1) the
/// input is first pixel-unshuffled (image channels · r²) and the two projections are 1×1.
/// </summary>
public sealed class Stem : Module<Tensor, (Tensor S0, Tensor S1)>
{
    private readonly TorchSharp.Modules.Conv2d conv;
    private readonly ScalarFreeBatchNorm2d bn;
    private readonly Module<Tensor, Tensor> act;
    private readonly TorchSharp.Modules.Conv2d to_s0;
    private readonly TorchSharp.Modules.Conv2d to_s1;

    private readonly int _unshuffle;

    public Stem(long imageChannels, long stemChannels, long s0Channels, long s1Channels, int pixelUnshuffle = 1) : base(nameof(Stem))
    {
        _unshuffle = pixelUnshuffle;
        var projection = pixelUnshuffle > 1 ? 1 : 3;
        conv = Conv2d(imageChannels * pixelUnshuffle * pixelUnshuffle, stemChannels, 3, padding: 1, bias: false);
        bn = new ScalarFreeBatchNorm2d(stemChannels);
        act = LeakyReLU(ReluConvBn.Slope);
        to_s0 = Conv2d(stemChannels, s0Channels, projection, padding: projection / 2, bias: false);
        to_s1 = Conv2d(stemChannels, s1Channels, projection, padding: projection / 2, bias: false);
        RegisterComponents();
    }

    public override (Tensor S0, Tensor S1) forward(Tensor x)
    {
        using var input = PixelUnshuffling.In(x, _unshuffle);
        using var h = act.call(bn.call(conv.call(input)));
        return (to_s0.call(h), to_s1.call(h));
    }

    /// <summary>The stem's graph: the first s0 and s1.</summary>
    public (string S0, string S1) Emit(IGraphEmitter g, string x)
    {
        var h = g.LeakyRelu(g.Conv(PixelUnshuffling.Emit(g, x, _unshuffle), FoldedConv.From(conv, bn)), ReluConvBn.Slope);
        return (g.Conv(h, FoldedConv.From(to_s0)), g.Conv(h, FoldedConv.From(to_s1)));
    }
}
