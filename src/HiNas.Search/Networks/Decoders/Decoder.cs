using HiNas.Imaging.Tasks;
using HiNas.Search.Export;
using HiNas.Search.Operations;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace HiNas.Search.Networks.Decoders;

/// <summary>
/// The official code's decoder for derived networks (DeepLab v3+ style), the alternative to the light
/// <see cref="RestorationHead"/>: the last cell's features, activated, go through a 1×1 unit to 128 channels
/// (denoising) or <see cref="Aspp"/> (super-resolution); the stem's low-level features through a 1×1 unit to 48;
/// both concatenated (176) pass two separable 3×3 units at 128 channels and a 3×3 convolution with bias to the image
/// channels (·s² and PixelShuffle(s) for SR; in the frame-time space ·(s·r)² and PixelShuffle(s·r)).
/// </summary>
public sealed class Decoder : Module<Tensor, Tensor, Tensor>
{
    public const int Channels = 128;
    public const int LowLevelChannels = 48;

    private readonly Module<Tensor, Tensor> act;
    private readonly Module<Tensor, Tensor> features;
    private readonly ConvBnAct lowLevel;
    private readonly SeparableConvBnAct refine0;
    private readonly SeparableConvBnAct refine1;
    private readonly TorchSharp.Modules.Conv2d output;
    private readonly int _scale;

    public Decoder(long lowLevelChannels, long featureChannels, RestorationTask task, int pixelUnshuffle = 1) : base(nameof(Decoder))
    {
        _scale = task.Scale * pixelUnshuffle;
        act = LeakyReLU(ReluConvBn.Slope);
        features = task.Kind == RestorationKind.SuperResolution ? new Aspp(featureChannels, Channels) : new ConvBnAct(featureChannels, Channels);
        lowLevel = new ConvBnAct(lowLevelChannels, LowLevelChannels);
        refine0 = new SeparableConvBnAct(Channels + LowLevelChannels, Channels);
        refine1 = new SeparableConvBnAct(Channels, Channels);
        output = Conv2d(Channels, task.Channels * _scale * _scale, 3, padding: 1, bias: true);
        RegisterComponents();
    }

    /// <summary>The convolution that writes the prediction.</summary>
    public TorchSharp.Modules.Conv2d PredictionLayer => output;

    /// <param name="low">the stem's low-level features (its first s0)</param>
    /// <param name="last">the last cell's output</param>
    public override Tensor forward(Tensor low, Tensor last)
    {
        using var scope = torch.NewDisposeScope();
        var joined = torch.cat(new[] { lowLevel.call(low), features.call(act.call(last)) }, 1);
        var y = output.call(refine1.call(refine0.call(joined)));
        return (_scale == 1 ? y : nn.functional.pixel_shuffle(y, _scale)).MoveToOuterDisposeScope();
    }

    public Prediction Emit(IGraphEmitter g, string low, string last)
    {
        var joined = g.Concat(new[] { lowLevel.Emit(g, low), ((IExportable)features).Emit(g, g.LeakyRelu(last, ReluConvBn.Slope)) });
        var y = g.Conv(refine1.Emit(g, refine0.Emit(g, joined)), FoldedConv.From(output));
        return new Prediction(y, _scale);
    }
}
