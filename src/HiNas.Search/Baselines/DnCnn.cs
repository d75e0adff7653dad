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
/// DnCNN-style denoiser (Zhang et al. 2017): conv 3×3 + activation, (depth − 2) × (conv 3×3 + BN + activation),
/// conv 3×3 to the image channels predicting the noise; output = input − noise. LeakyReLU(0.2) as in the rest
/// of the op set.
/// </summary>
public sealed class DnCnn : Module<Tensor, Tensor>, IRestorationNetwork
{
    private readonly TorchSharp.Modules.Sequential body;

    /// <param name="noiseMap">told the noise: the first convolution also reads the noise-level plane (<see cref="IRestorationNetwork.NoiseMap"/>)</param>
    public DnCnn(RestorationTask task, int depth, int width, bool noiseMap = false) : base(nameof(DnCnn))
    {
        if (task.Kind != RestorationKind.Denoise) throw new ArgumentException("DnCNN is a denoiser; use espcn or fsrcnn for super-resolution");
        if (depth < 2) throw new ArgumentOutOfRangeException(nameof(depth), depth, "DnCNN depth must be at least 2");
        if (width < 1) throw new ArgumentOutOfRangeException(nameof(width), width, "width must be at least 1");
        Task = task;
        Depth = depth;
        Width = width;
        NoiseMap = noiseMap;
        var layers = new List<(string, Module<Tensor, Tensor>)>
        {
            ("conv_in", Conv2d(task.Channels + (noiseMap ? 1 : 0), width, 3, padding: 1)),
            ("act_in", StackActivation.Create()),
        };
        for (var i = 0; i < depth - 2; i++)
        {
            layers.Add(($"conv{i}", Conv2d(width, width, 3, padding: 1, bias: false)));
            layers.Add(($"bn{i}", new ScalarFreeBatchNorm2d(width)));
            layers.Add(($"act{i}", StackActivation.Create()));
        }
        layers.Add(("conv_out", Conv2d(width, task.Channels, 3, padding: 1)));
        body = Sequential(layers);
        RegisterComponents();
    }

    public RestorationTask Task { get; }

    public string EmitPrediction(IGraphEmitter g, string input) => LayerStack.Emit(g, body.children(), input);
    public int Depth { get; }
    public int Width { get; }
    public bool NoiseMap { get; }

    public string Describe() => $"DnCNN depth {Depth} width {Width}" + (NoiseMap ? ", noise-level map" : "");

    public override Tensor forward(Tensor x) => TaskResidual.Apply(Task, x, body.call(x));
}
