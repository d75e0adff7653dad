using HiNas.Search.Export;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace HiNas.Search.Networks.Decoders;

/// <summary>Depthwise 3×3 (optionally dilated) then pointwise 1×1, each followed by BatchNorm and LeakyReLU (the official sep3x3_bn).</summary>
public sealed class SeparableConvBnAct : Module<Tensor, Tensor>, IExportable
{
    private readonly ConvBnAct depthwise;
    private readonly ConvBnAct pointwise;

    public SeparableConvBnAct(long inChannels, long outChannels, long dilation = 1) : base(nameof(SeparableConvBnAct))
    {
        depthwise = new ConvBnAct(inChannels, inChannels, 3, dilation, depthwise: true);
        pointwise = new ConvBnAct(inChannels, outChannels);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var spatial = depthwise.call(x);
        return pointwise.call(spatial);
    }

    public string Emit(IGraphEmitter g, string x) => pointwise.Emit(g, depthwise.Emit(g, x));
}
