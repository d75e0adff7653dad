using HiNas.Imaging.Tasks;
using HiNas.Nas.Space;
using HiNas.Search.Operations;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using HiNas.Search.Export;

namespace HiNas.Search.Networks;

/// <summary>
/// LeakyReLU (not after fused cells, whose output is already a ReLU's: <see cref="CellForm.Fused"/>) → 3×3 conv to the image channels (denoising: the predicted noise) or to channels·s² followed by
/// PixelShuffle(s) (super-resolution: the residual over the upsampled input). In the frame-time space the features
/// are at 1/r of each side: the conv goes to channels·(s·r)² and PixelShuffle(s·r). The 3×3 conv is dense, or
/// separable (<see cref="ConvStyle"/>: depthwise 3×3 without bias → pointwise 1×1 with bias, nothing between).
/// </summary>
public sealed class RestorationHead : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor>? act;
    private readonly TorchSharp.Modules.Conv2d? depthwise;
    private readonly TorchSharp.Modules.Conv2d conv;
    private readonly int _scale;

    public RestorationHead(long inChannels, RestorationTask task, int pixelUnshuffle = 1, ConvStyle style = ConvStyle.Dense, CellForm form = CellForm.Paper) : base(nameof(RestorationHead))
    {
        _scale = task.Scale * pixelUnshuffle;
        if (form == CellForm.Paper) act = LeakyReLU(ReluConvBn.Slope);
        var outChannels = task.Channels * _scale * _scale;
        if (style == ConvStyle.Separable)
        {
            depthwise = Conv2d(inChannels, inChannels, 3, padding: 1, groups: inChannels, bias: false);
            conv = Conv2d(inChannels, outChannels, 1, bias: true);
        }
        else conv = Conv2d(inChannels, outChannels, 3, padding: 1, bias: true);
        RegisterComponents();
    }

    /// <summary>The convolution that writes the prediction (the separable head's pointwise one).</summary>
    public TorchSharp.Modules.Conv2d PredictionLayer => conv;

    public override Tensor forward(Tensor x)
    {
        using var activated = act is null ? x.alias() : act.call(x);
        Tensor y;
        if (depthwise is null) y = conv.call(activated);
        else
        {
            using var spatial = depthwise.call(activated);
            y = conv.call(spatial);
        }
        if (_scale == 1) return y;
        using (y) return nn.functional.pixel_shuffle(y, _scale);
    }

    public Prediction Emit(IGraphEmitter g, string x)
    {
        var activated = act is null ? x : g.LeakyRelu(x, ReluConvBn.Slope);
        return new Prediction(g.Conv(depthwise is null ? activated : g.Conv(activated, FoldedConv.From(depthwise)), FoldedConv.From(conv)), _scale);
    }
}
