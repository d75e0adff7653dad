using HiNas.Search.Operations;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using HiNas.Search.Export;

namespace HiNas.Search.Networks;

/// <summary>
/// 3×3 conv (image channels → stem channels) + BN + LeakyReLU, then two 3×3 convs: one to B·F channels
/// (the first s0) and one to F channels (the first s1).
/// </summary>
public sealed class Stem : Module<Tensor, (Tensor S0, Tensor S1)>
{
    private readonly TorchSharp.Modules.Conv2d conv;
    private readonly ScalarFreeBatchNorm2d bn;
    private readonly Module<Tensor, Tensor> act;
    private readonly TorchSharp.Modules.Conv2d to_s0;
    private readonly TorchSharp.Modules.Conv2d to_s1;

    public Stem(long imageChannels, long stemChannels, long s0Channels, long s1Channels) : base(nameof(Stem))
    {
        conv = Conv2d(imageChannels, stemChannels, 3, padding: 1, bias: false);
        bn = new ScalarFreeBatchNorm2d(stemChannels);
        act = LeakyReLU(ReluConvBn.Slope);
        to_s0 = Conv2d(stemChannels, s0Channels, 3, padding: 1, bias: false);
        to_s1 = Conv2d(stemChannels, s1Channels, 3, padding: 1, bias: false);
        RegisterComponents();
    }

    public override (Tensor S0, Tensor S1) forward(Tensor x)
    {
        var h = act.call(bn.call(conv.call(x)));
        return (to_s0.call(h), to_s1.call(h));
    }

    /// <summary>The stem's graph: the first s0 and s1.</summary>
    public (string S0, string S1) Emit(IGraphEmitter g, string x)
    {
        var h = g.LeakyRelu(g.Conv(x, FoldedConv.From(conv, bn)), ReluConvBn.Slope);
        return (g.Conv(h, FoldedConv.From(to_s0)), g.Conv(h, FoldedConv.From(to_s1)));
    }
}
