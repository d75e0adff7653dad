using HiNas.Imaging.Tasks;
using HiNas.Nas.Space;

namespace HiNas.Nas.Settings;

/// <summary>
/// The paper's search configurations (official code): 100 epochs, 20 of warm-up, crop 64, Adam at 1e-3 with L2 decay
/// 1e-3 for α and β, and the official code's steps
/// per epoch — its data loaders give about 25 batches per epoch for denoising (batch 6) and 16 for super-resolution
/// (batch 24): about 2,000 and 1,300 α/β steps after 500 and 320 warm-up steps. The frame-time presets search the
/// frame-time space (<see cref="HiNas.Nas.Space.SearchSpace.PixelUnshuffle"/> 2, a 16-channel stem with 1×1
/// projections) with the same schedule: the cells run at a quarter of the pixels, so the widths can be larger for
/// the same frame time.
/// </summary>
public static class SearchPresets
{
    public static readonly IReadOnlyList<string> Names = new[] { "paper-denoise", "paper-sr", "frame-time-denoise", "frame-time-sr", "frame-time-denoise-fused", "frame-time-sr-input" };

    public static SearchOptions Apply(string name, SearchOptions baseOptions) => name switch
    {
        // Denoising: L = 3, B = 4, F = 10, batch 6.
        "paper-denoise" => baseOptions with
        {
            Supernet = baseOptions.Supernet with { Layers = 3, Blocks = 4, Filters = 10, StemChannels = 64 },
            Epochs = 100, Warmup = 20, Batch = 6, Crop = 64, StepsPerEpoch = 25, ArchitectLearningRate = 1e-3, ArchitectWeightDecay = 1e-3,
        },
        // Super-resolution: L = 2, B = 3, F = 8, batch 24.
        "paper-sr" => baseOptions with
        {
            Supernet = baseOptions.Supernet with { Layers = 2, Blocks = 3, Filters = 8, StemChannels = 64 },
            // crop 64 rounded up to a multiple of the scale (66 for ×3)
            Epochs = 100, Warmup = 20, Batch = 24, Crop = baseOptions.Supernet.Task.RoundUpToScale(64), StepsPerEpoch = 16,
            ArchitectLearningRate = 1e-3, ArchitectWeightDecay = 1e-3,
        },
        // The frame-time space, denoising: L = 3, B = 3, F = 16 at a quarter of the pixels (widths 16/24/32: ONNX Runtime
        // runs multiples of 8 channels in its blocked layout; F 12 costs as much at 640×360, bench/latency bound).
        "frame-time-denoise" => FrameTime(Apply("paper-denoise", baseOptions), layers: 3, blocks: 3, filters: 16),
        // The frame-time space, super-resolution: L = 2, B = 3, F = 16 at a quarter of the input's pixels, and the separable
        // head convolution: the head goes to 3·(2s)² channels, and dense it was 14.0 of the ×2 space's 21.3 ms floor at
        // 640×360 against 9.7 of 17.5 separable (bench/latency).
        "frame-time-sr" => FrameTime(Apply("paper-sr", baseOptions), layers: 2, blocks: 3, filters: 16, headConv: ConvStyle.Separable),
        // The frame-time denoiser of fused cells: 5 layers of 48 channels at a quarter of the pixels, FFDNet 7 × 48's
        // stack at the widest, where the search beat FFDNet at its time in colour (+0.38 dB at σ 25, bench/quality).
        "frame-time-denoise-fused" => Fused(FrameTime(Apply("paper-denoise", baseOptions), layers: 5, blocks: 1, filters: 48), pixelUnshuffle: 2),
        // The frame-time upscaler with its cells at the input's resolution: 13 layers of 16 channels (ONNX Runtime blocks
        // channels by 16), the separable head. At ×4 these cells gave bicubic + 1.00 dB on the photographs against the
        // quarter-resolution ones' + 0.87, at about ESPCN 4 × 32's time (bench/quality).
        "frame-time-sr-input" => Fused(FrameTime(Apply("paper-sr", baseOptions), layers: 13, blocks: 1, filters: 16, headConv: ConvStyle.Separable), pixelUnshuffle: 1),
        _ => throw new ArgumentException($"unknown preset '{name}' (known: {string.Join(", ", Names)})"),
    };

    /// <summary>
    /// The paper's schedule on the frame-time space (pixel-unshuffle 2, a 16-channel stem) with an architecture step
    /// that moves α and β on a CPU-sized search — Adam 3e-3 without decay (the official 1e-3 with decay 1e-3 leaves
    /// them uniform to three decimals, docs/cli.md) — and skip dropout 0.3 against the collapse toward skips.
    /// </summary>
    private static SearchOptions FrameTime(SearchOptions paper, int layers, int blocks, int filters, ConvStyle headConv = ConvStyle.Dense) => paper with
    {
        Supernet = paper.Supernet with { Layers = layers, Blocks = blocks, Filters = filters, StemChannels = 16, PixelUnshuffle = 2, HeadConv = headConv },
        ArchitectLearningRate = 3e-3, ArchitectWeightDecay = 0, SkipDropout = 0.3,
    };

    /// <summary>
    /// A frame-time space of fused cells as bench/quality's frame-time rows search it: layers of one width, the stem's
    /// included (each edge a convolution 3×3, a dilated 3×3 or none), at 1/r² of the pixels; the mixture warmed up for
    /// 10 epochs, then one drawn network per step (240 a single-path epoch) with Adam, the per-sample log-MSE and
    /// operation dropout 0.5, the network derived by ranking its draws.
    /// </summary>
    private static SearchOptions Fused(SearchOptions frameTime, int pixelUnshuffle) => frameTime.WithWeightOptimizer(WeightOptimizers.Adam) with
    {
        Supernet = frameTime.Supernet with
        {
            PixelUnshuffle = pixelUnshuffle, StemChannels = frameTime.Supernet.Filters, WidthFactors = new[] { 1.0 }, Form = CellForm.Fused,
            Candidates = OperationSet.Parse("conv_3x3,dil_conv_3x3,none"),
        },
        Epochs = 30, Warmup = 10, StepsPerEpoch = 30, SinglePathStepsPerEpoch = 240, SupernetTraining = SupernetTrainings.SinglePath,
        PixelLoss = PixelLosses.LogMse, OperationDropout = 0.5,
    };

    public static RestorationKind KindOf(string name) => name.Contains("-sr", StringComparison.Ordinal) ? RestorationKind.SuperResolution : RestorationKind.Denoise;
}
