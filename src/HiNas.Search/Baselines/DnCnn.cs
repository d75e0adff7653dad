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
/// conv 3×3 to the image channels predicting the noise; output = input − noise; the middle convolutions start as the
/// identity (<see cref="IdentityConv"/>). The activation is ReLU, as in both papers (<see cref="StackActivation.Relu"/>;
/// LeakyReLU(0.2) for runs recorded before, <see cref="ArchitectureSpec.Activation"/>). With a pixel-unshuffle r of 2 it is FFDNet's design (Zhang, Zuo and Zhang 2018), the hand-designed
/// real-time denoiser: the input (and its noise-level plane, when told) goes through space-to-depth by 2, the same
/// stack runs at a quarter of the pixels and predicts the noise's 4·C sub-images, which a pixel shuffle puts back
/// (FFDNet predicts the clean image; here the noise, as every network of this repository does).
/// </summary>
public sealed class DnCnn : Module<Tensor, Tensor>, IRestorationNetwork
{
    private readonly TorchSharp.Modules.Sequential body;

    /// <param name="noiseMap">told the noise: the first convolution also reads the noise-level plane (<see cref="IRestorationNetwork.NoiseMap"/>)</param>
    /// <param name="pixelUnshuffle">r: the stack runs at 1/r² of the pixels (1: DnCNN; 2: FFDNet)</param>
    /// <param name="relu">ReLU, as the papers (<see cref="StackActivation.Relu"/>); false: the LeakyReLU(0.2) of runs
    /// recorded before it (<see cref="ArchitectureSpec.Activation"/>)</param>
    public DnCnn(RestorationTask task, int depth, int width, bool noiseMap = false, int pixelUnshuffle = 1, bool relu = true) : base(nameof(DnCnn))
    {
        if (task.Kind != RestorationKind.Denoise) throw new ArgumentException("DnCNN is a denoiser; use espcn or fsrcnn for super-resolution");
        if (depth < 2) throw new ArgumentOutOfRangeException(nameof(depth), depth, "DnCNN depth must be at least 2");
        if (width < 1) throw new ArgumentOutOfRangeException(nameof(width), width, "width must be at least 1");
        if (pixelUnshuffle is not (1 or 2 or 4)) throw new ArgumentOutOfRangeException(nameof(pixelUnshuffle), pixelUnshuffle, "the pixel-unshuffle must be 1, 2 or 4");
        PixelUnshuffle = pixelUnshuffle;
        var subImages = pixelUnshuffle * pixelUnshuffle;
        Task = task;
        Depth = depth;
        Width = width;
        NoiseMap = noiseMap;
        Relu = relu;
        Module<Tensor, Tensor> Activation() => relu ? StackActivation.Relu() : StackActivation.Create();
        var layers = new List<(string, Module<Tensor, Tensor>)>
        {
            ("conv_in", Conv2d((task.Channels + (noiseMap ? 1 : 0)) * subImages, width, 3, padding: 1)),
            ("act_in", Activation()),
        };
        for (var i = 0; i < depth - 2; i++)
        {
            layers.Add(($"conv{i}", IdentityConv(width)));
            layers.Add(($"bn{i}", new ScalarFreeBatchNorm2d(width)));
            layers.Add(($"act{i}", Activation()));
        }
        layers.Add(("conv_out", Conv2d(width, task.Channels * subImages, 3, padding: 1)));
        body = Sequential(layers);
        RegisterComponents();
    }

    /// <summary>
    /// A middle convolution of the stack, starting as the identity (a Dirac kernel: each channel passes through
    /// unchanged). With libtorch's random start, the deep plain stack scrambles its input from layer to layer — a
    /// BatchNorm'd ReLU stack at random weights is chaotic — and the prediction layer has nothing of the noise to read:
    /// measured on the photo training data, σ 25 RGB, batch 8, crop 48, 300 iterations, FFDNet 10 × 48 reached 23.1 dB
    /// of validation PSNR from the random start (it stayed at 24.3 after 4,000) and 30.2 from the identity, FFDNet 8 × 48
    /// 26.9 → 30.3, DnCNN 17 × 20 21.7 → 29.8; an orthogonal start 23.2 and the identity with noise of std 0.1 22.7
    /// (docs/cli.md; the 4,000-iteration trainings in bench/search-recipe). The stack is the hand design's; only where its
    /// training starts changes.
    /// </summary>
    private static TorchSharp.Modules.Conv2d IdentityConv(int width)
    {
        var conv = Conv2d(width, width, 3, padding: 1, bias: false);
        using var noGrad = no_grad();
        nn.init.dirac_(conv.weight!);
        return conv;
    }

    /// <summary>The last convolution ("conv_out").</summary>
    public TorchSharp.Modules.Conv2d PredictionLayer => (TorchSharp.Modules.Conv2d)body.children().Last();

    public RestorationTask Task { get; }

    public Prediction EmitPrediction(IGraphEmitter g, string input)
    {
        var noise = LayerStack.Emit(g, body.children(), PixelUnshuffling.Emit(g, input, PixelUnshuffle));
        return new Prediction(noise, PixelUnshuffle);
    }

    public int Depth { get; }
    public int Width { get; }
    public bool NoiseMap { get; }
    public int PixelUnshuffle { get; }

    /// <summary>ReLU after each convolution but the last (else LeakyReLU(0.2), a run recorded before 2026-12-08).</summary>
    public bool Relu { get; }

    public string Describe() => (PixelUnshuffle == 1 ? "DnCNN" : $"FFDNet (DnCNN at pixel-unshuffle ×{PixelUnshuffle})") + $" depth {Depth} width {Width}" + (NoiseMap ? ", noise-level map" : "") + (Relu ? "" : ", LeakyReLU(0.2)");

    public override Tensor forward(Tensor x)
    {
        if (PixelUnshuffle == 1) return TaskResidual.Apply(Task, x, body.call(x));
        using var unshuffled = PixelUnshuffling.In(x, PixelUnshuffle);
        using var subImages = body.call(unshuffled);
        using var noise = nn.functional.pixel_shuffle(subImages, PixelUnshuffle);
        using var cropped = PixelUnshuffling.CropTo(noise, x, 1); // the same tensor when nothing is cropped (disposing twice is harmless)
        return TaskResidual.Apply(Task, x, cropped);
    }
}
