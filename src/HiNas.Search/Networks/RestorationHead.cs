using HiNas.Imaging.Tasks;
using HiNas.Search.Operations;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using HiNas.Search.Export;

namespace HiNas.Search.Networks;

/// <summary>
/// LeakyReLU → 3×3 conv to the image channels (denoising: the predicted noise) or to channels·s² followed by
/// PixelShuffle(s) (super-resolution: the residual over the upsampled input). In the frame-time space the features
/// are at 1/r of each side: the conv goes to channels·(s·r)² and PixelShuffle(s·r).
/// </summary>
public sealed class RestorationHead : Module<Tensor, Tensor>, IExportable
{
    private readonly Module<Tensor, Tensor> act;
    private readonly TorchSharp.Modules.Conv2d conv;
    private readonly int _scale;

    public RestorationHead(long inChannels, RestorationTask task, int pixelUnshuffle = 1) : base(nameof(RestorationHead))
    {
        _scale = task.Scale * pixelUnshuffle;
        act = LeakyReLU(ReluConvBn.Slope);
        conv = Conv2d(inChannels, task.Channels * _scale * _scale, 3, padding: 1, bias: true);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var y = conv.call(act.call(x));
        return _scale == 1 ? y : nn.functional.pixel_shuffle(y, _scale);
    }

    public string Emit(IGraphEmitter g, string x)
    {
        var y = g.Conv(g.LeakyRelu(x, ReluConvBn.Slope), FoldedConv.From(conv));
        return _scale == 1 ? y : g.PixelShuffle(y, _scale);
    }
}
