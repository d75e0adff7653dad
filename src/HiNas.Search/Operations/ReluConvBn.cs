using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using HiNas.Search.Export;

namespace HiNas.Search.Operations;

/// <summary>LeakyReLU(0.2) → k×k convolution (optionally dilated) → BatchNorm: the pre-activation unit of the search space.</summary>
public sealed class ReluConvBn : Module<Tensor, Tensor>, IExportable, IPreActivated
{
    public const double Slope = 0.2;

    private readonly Module<Tensor, Tensor> act;
    private readonly TorchSharp.Modules.Conv2d conv;
    private readonly ScalarFreeBatchNorm2d bn;

    public ReluConvBn(long inChannels, long outChannels, long kernel, bool affine, long dilation = 1) : base(nameof(ReluConvBn))
    {
        act = LeakyReLU(Slope);
        conv = Conv2d(inChannels, outChannels, kernel, padding: dilation * (kernel - 1) / 2, dilation: dilation, bias: false);
        bn = new ScalarFreeBatchNorm2d(outChannels, affine);
        RegisterComponents();
    }

    public bool IsPreActivated => true;

    public override Tensor forward(Tensor x)
    {
        using var activated = act.call(x);
        return ForwardActivated(activated);
    }

    public Tensor ForwardActivated(Tensor activated)
    {
        using var convolved = conv.call(activated);
        return bn.call(convolved);
    }

    public string Emit(IGraphEmitter g, string x) => g.Conv(g.LeakyRelu(x, Slope), FoldedConv.From(conv, bn));
}
