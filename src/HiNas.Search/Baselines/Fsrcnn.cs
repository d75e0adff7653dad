using HiNas.Imaging.Tasks;
using HiNas.Search.Networks;
using HiNas.Search.Operations;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using HiNas.Nas.Settings;
using HiNas.Search.Export;

namespace HiNas.Search.Baselines;

/// <summary>
/// FSRCNN-style upscaler (Dong et al. 2016): feature extraction conv 5×5 to d = width, shrinking 1×1 to s,
/// m = depth mapping convs 3×3 at s, expanding 1×1 back to d, each followed by an activation. The original's
/// 9×9 deconvolution is replaced by a 3×3 conv to channels·scale² + PixelShuffle (sub-pixel upsampling, the
/// same operator set as the other networks); residual over the bicubic upsampling as for every network here.
/// </summary>
public sealed class Fsrcnn : Module<Tensor, Tensor>, IRestorationNetwork
{
    private readonly TorchSharp.Modules.Sequential body;
    private readonly int _scale;

    public Fsrcnn(RestorationTask task, int depth, int width, int shrink) : base(nameof(Fsrcnn))
    {
        if (task.Kind != RestorationKind.SuperResolution) throw new ArgumentException("FSRCNN is an upscaler; use dncnn or ffdnet for denoising");
        if (depth < 1) throw new ArgumentOutOfRangeException(nameof(depth), depth, "FSRCNN needs at least one mapping layer");
        if (width < 1 || shrink < 1) throw new ArgumentOutOfRangeException(nameof(width), "widths must be at least 1");
        Task = task;
        Depth = depth;
        Width = width;
        Shrink = shrink;
        _scale = task.Scale;
        var layers = new List<(string, Module<Tensor, Tensor>)>
        {
            ("extract", Conv2d(task.Channels, width, 5, padding: 2)), ("act_extract", StackActivation.Create()),
            ("shrink", Conv2d(width, shrink, 1)), ("act_shrink", StackActivation.Create()),
        };
        for (var i = 0; i < depth; i++)
        {
            layers.Add(($"map{i}", Conv2d(shrink, shrink, 3, padding: 1)));
            layers.Add(($"act_map{i}", StackActivation.Create()));
        }
        layers.Add(("expand", Conv2d(shrink, width, 1)));
        layers.Add(("act_expand", StackActivation.Create()));
        layers.Add(("upsample", Conv2d(width, task.Channels * _scale * _scale, 3, padding: 1)));
        body = Sequential(layers);
        RegisterComponents();
    }

    /// <summary>The last convolution ("upsample").</summary>
    public TorchSharp.Modules.Conv2d PredictionLayer => (TorchSharp.Modules.Conv2d)body.children().Last();

    public RestorationTask Task { get; }

    public Prediction EmitPrediction(IGraphEmitter g, string input) => new(LayerStack.Emit(g, body.children(), input), _scale);
    public int Depth { get; }
    public int Width { get; }
    public int Shrink { get; }

    public string Describe() => $"FSRCNN d {Width} s {Shrink} m {Depth}";

    public override Tensor forward(Tensor x) => TaskResidual.Apply(Task, x, nn.functional.pixel_shuffle(body.call(x), _scale));
}
