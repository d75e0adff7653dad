using HiNas.Search.Export;
using HiNas.Search.Operations;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace HiNas.Search.Networks.Decoders;

/// <summary>
/// k×k convolution (optionally dilated or depthwise) → BatchNorm → LeakyReLU(0.2): the post-activation unit of the
/// decoder, as the official code's conv1x1_bn and the halves of its sep3x3_bn are.
/// </summary>
public sealed class ConvBnAct : Module<Tensor, Tensor>, IExportable
{
    private readonly TorchSharp.Modules.Conv2d conv;
    private readonly ScalarFreeBatchNorm2d bn;
    private readonly Module<Tensor, Tensor> act;

    public ConvBnAct(long inChannels, long outChannels, long kernel = 1, long dilation = 1, bool depthwise = false) : base(nameof(ConvBnAct))
    {
        if (depthwise && inChannels != outChannels) throw new ArgumentException("a depthwise convolution keeps its channels");
        conv = Conv2d(inChannels, outChannels, kernel, padding: dilation * (kernel - 1) / 2, dilation: dilation, groups: depthwise ? inChannels : 1, bias: false);
        bn = new ScalarFreeBatchNorm2d(outChannels);
        act = LeakyReLU(ReluConvBn.Slope);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var convolved = conv.call(x);
        using var normalised = bn.call(convolved);
        return act.call(normalised);
    }

    public string Emit(IGraphEmitter g, string x) => g.LeakyRelu(g.Conv(x, FoldedConv.From(conv, bn)), ReluConvBn.Slope);
}
