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
/// ESPCN-style upscaler (Shi et al. 2016): conv 5×5 + activation, (depth − 2) × (conv 3×3 + activation), conv 3×3
/// to channels·s² and PixelShuffle(s); trained, like every network here, as a residual over the bicubic upsampling.
/// </summary>
public sealed class Espcn : Module<Tensor, Tensor>, IRestorationNetwork
{
    private readonly TorchSharp.Modules.Sequential body;
    private readonly int _scale;

    public Espcn(RestorationTask task, int depth, int width) : base(nameof(Espcn))
    {
        if (task.Kind != RestorationKind.SuperResolution) throw new ArgumentException("ESPCN is an upscaler; use dncnn or ffdnet for denoising");
        if (depth < 2) throw new ArgumentOutOfRangeException(nameof(depth), depth, "ESPCN depth must be at least 2");
        if (width < 1) throw new ArgumentOutOfRangeException(nameof(width), width, "width must be at least 1");
        Task = task;
        Depth = depth;
        Width = width;
        _scale = task.Scale;
        var layers = new List<(string, Module<Tensor, Tensor>)>
        {
            ("conv_in", Conv2d(task.Channels, width, 5, padding: 2)),
            ("act_in", StackActivation.Create()),
        };
        for (var i = 0; i < depth - 2; i++)
        {
            layers.Add(($"conv{i}", Conv2d(width, width, 3, padding: 1)));
            layers.Add(($"act{i}", StackActivation.Create()));
        }
        layers.Add(("conv_out", Conv2d(width, task.Channels * _scale * _scale, 3, padding: 1)));
        body = Sequential(layers);
        RegisterComponents();
    }

    /// <summary>The last convolution ("conv_out").</summary>
    public TorchSharp.Modules.Conv2d PredictionLayer => (TorchSharp.Modules.Conv2d)body.children().Last();

    public RestorationTask Task { get; }

    public Prediction EmitPrediction(IGraphEmitter g, string input) => new(LayerStack.Emit(g, body.children(), input), _scale);
    public int Depth { get; }
    public int Width { get; }

    public string Describe() => $"ESPCN depth {Depth} width {Width}";

    public override Tensor forward(Tensor x) => TaskResidual.Apply(Task, x, nn.functional.pixel_shuffle(body.call(x), _scale));
}
