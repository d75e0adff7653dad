using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using HiNas.Search.Export;

namespace HiNas.Search.Operations;

/// <summary>
/// LeakyReLU → depthwise k×k convolution with dilation d → pointwise 1×1 → BatchNorm. With d = 1 and two
/// of them in a row it is the separable convolution; with d = 2 the dilated convolution. Without
/// <c>preActivated</c> (fused cells) the LeakyReLU is left out and the unit starts as the identity (the depthwise
/// kernel a centred 1, the pointwise one the identity matrix), as the fused cells' dense convolutions do (<see cref="ConvBn"/>).
/// </summary>
public sealed class DilatedConv : Module<Tensor, Tensor>, IExportable, IPreActivated
{
    private readonly Module<Tensor, Tensor>? act;
    private readonly TorchSharp.Modules.Conv2d depthwise;
    private readonly TorchSharp.Modules.Conv2d pointwise;
    private readonly ScalarFreeBatchNorm2d bn;

    public DilatedConv(long channels, long kernel, long dilation, bool affine, bool preActivated = true) : base(nameof(DilatedConv))
    {
        if (preActivated) act = LeakyReLU(ReluConvBn.Slope);
        depthwise = Conv2d(channels, channels, kernel, padding: dilation * (kernel - 1) / 2, dilation: dilation, groups: channels, bias: false);
        pointwise = Conv2d(channels, channels, 1, bias: false);
        if (!preActivated)
        {
            using var noGrad = no_grad();
            depthwise.weight!.zero_();
            depthwise.weight!.index_put_(1.0f, TensorIndex.Colon, TensorIndex.Single(0), TensorIndex.Single(kernel / 2), TensorIndex.Single(kernel / 2));
            nn.init.dirac_(pointwise.weight!);
        }
        bn = new ScalarFreeBatchNorm2d(channels, affine);
        RegisterComponents();
    }

    public bool IsPreActivated => act is not null;

    public override Tensor forward(Tensor x)
    {
        if (act is null) return ForwardActivated(x);
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
        g.Conv(g.Conv(act is null ? x : g.LeakyRelu(x, ReluConvBn.Slope), FoldedConv.From(depthwise)), FoldedConv.From(pointwise, bn));
}
