using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using HiNas.Search.Export;

namespace HiNas.Search.Operations;

/// <summary>
/// LeakyReLU → depthwise k×k convolution with dilation d → pointwise 1×1 → BatchNorm. With d = 1 and two
/// of them in a row it is the separable convolution; with d = 2 the dilated convolution.
/// </summary>
public sealed class DilatedConv : Module<Tensor, Tensor>, IExportable, IPreActivated
{
    private readonly Module<Tensor, Tensor> act;
    private readonly TorchSharp.Modules.Conv2d depthwise;
    private readonly TorchSharp.Modules.Conv2d pointwise;
    private readonly ScalarFreeBatchNorm2d bn;

    public DilatedConv(long channels, long kernel, long dilation, bool affine) : base(nameof(DilatedConv))
    {
        act = LeakyReLU(ReluConvBn.Slope);
        depthwise = Conv2d(channels, channels, kernel, padding: dilation * (kernel - 1) / 2, dilation: dilation, groups: channels, bias: false);
        pointwise = Conv2d(channels, channels, 1, bias: false);
        bn = new ScalarFreeBatchNorm2d(channels, affine);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var activated = act.call(x);
        return ForwardActivated(activated);
    }

    public Tensor ForwardActivated(Tensor activated)
    {
        using var spatial = depthwise.call(activated);
        using var mixed = pointwise.call(spatial);
        return bn.call(mixed);
    }

    public string Emit(IGraphEmitter g, string x) =>
        g.Conv(g.Conv(g.LeakyRelu(x, ReluConvBn.Slope), FoldedConv.From(depthwise)), FoldedConv.From(pointwise, bn));
}
