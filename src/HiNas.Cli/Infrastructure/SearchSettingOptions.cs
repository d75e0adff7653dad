using System.CommandLine;
using HiNas.Imaging.Tasks;
using HiNas.Search.Searching;
using HiNas.Nas.Runs;
using HiNas.Nas.Settings;

namespace HiNas.Cli.Infrastructure;

/// <summary>
/// The search settings `hinas search` and `hinas jobs search|train` share. With a prefix ("--search-") they can sit
/// next to the training settings of the same command (`hinas jobs train --search --search-epochs 2 …`).
/// </summary>
public sealed class SearchSettingOptions
{
    public SearchSettingOptions(string prefix = "--")
    {
        var defaults = SearchOptions.DefaultsFor(RestorationTask.Denoise(25, 1));
        Data = new Option<string>(prefix + "data") { Description = "training images: a folder, deadleaves, or deadleaves:COUNTxSIZE", DefaultValueFactory = _ => "deadleaves" };
        Layers = new Option<int?>(prefix + "layers") { Description = "L, layers of cells (default 3 for denoising, 2 for SR)" };
        Blocks = new Option<int?>(prefix + "blocks") { Description = $"B, nodes per cell (default {defaults.Supernet.Blocks})" };
        Filters = new Option<int?>(prefix + "filters") { Description = "F, channels per node at width factor 1 (default 10 for denoising, 8 for SR)" };
        Stem = new Option<int?>(prefix + "stem-channels") { Description = $"channels of the stem convolution (default {defaults.Supernet.StemChannels})" };
        PixelUnshuffle = new Option<int?>(prefix + "pixel-unshuffle") { Description = $"r: run the network at 1/r² of the pixels (space-to-depth in, pixel shuffle out); 1 is the paper's space (default), 2 the frame-time space (1, 2 or 4)" };
        Epochs = new Option<int?>(prefix + "epochs") { Description = $"epochs (default {defaults.Epochs})" };
        Warmup = new Option<int?>(prefix + "warmup") { Description = $"warm-up epochs with weight updates only (default {defaults.Warmup})" };
        Steps = new Option<int?>(prefix + "steps-per-epoch") { Description = $"search steps per epoch (default {defaults.StepsPerEpoch})" };
        Batch = new Option<int?>(prefix + "batch") { Description = $"patches per batch (default {defaults.Batch})" };
        Crop = new Option<int?>(prefix + "crop") { Description = "target (HR) patch size in pixels (default 32, rounded up to a multiple of the scale)" };
        Seed = new Option<ulong?>(prefix + "seed") { Description = $"seed of the data, split, sampling and initialisation (default {defaults.Seed})" };
        TieCells = new Option<bool>(prefix + "tie-cells") { Description = "one α for all layers (ablation of layer-wise architecture sharing)" };
        NoCellSharing = new Option<bool>(prefix + "no-cell-sharing") { Description = "run one cell per incoming path (the per-path baseline of the memory claim)" };
        SkipDropout = new Option<double?>(prefix + "skip-dropout") { Description = "dropout rate in [0, 1) on the supernet's skip connections during the search, against the collapse toward skips (P-DARTS; default 0, the paper's search)" };
        OperationDropout = new Option<double?>(prefix + "operation-dropout") { Description = "rate in [0, 1) at which each candidate operation's output is dropped per sample during the search (path dropout: an operation the others cover for learns to restore on its own; default 0, the paper's search)" };
        SupernetTraining = new Option<string?>(prefix + "supernet-training") { Description = "how the supernet's weights are trained: mixture (every operation and width at once, α/β steps after the warm-up; the paper's search; default) or single-path (one network of the space drawn per step, no α/β steps; the network is then derived by ranking drawn networks on the trained supernet, as `hinas select --by ranking`)" };
        SupernetTraining.AcceptOnlyFromAmong(SupernetTrainings.Names.ToArray());
        RankedNetworks = new Option<int?>(prefix + "ranked-networks") { Description = $"single-path: networks drawn and ranked on the trained supernet to derive the search's network (default {defaults.RankedNetworks})" };
        SinglePathSteps = new Option<int?>(prefix + "single-path-steps-per-epoch") { Description = "single-path: steps in each epoch after the warm-up (default: --steps-per-epoch); a single-path step costs about a twentieth of a mixture step, so a mixture warm-up followed by single-path fine-tuning wants many more" };
        DilatedConvs = new Option<string?>(prefix + "dilated-convs") { Description = "dilated candidates: dense (the official operation table; default) or separable (DARTS's)" };
        DilatedConvs.AcceptOnlyFromAmong("dense", "separable");
        HeadConv = new Option<string?>(prefix + "head-conv") { Description = "the light head's 3×3 convolution: dense (default) or separable (depthwise 3×3 → pointwise 1×1; frame-time-sr's, where the head goes to 3·(2s)² channels)" };
        HeadConv.AcceptOnlyFromAmong("dense", "separable");
        CellForm = new Option<string?>(prefix + "cell-form") { Description = "paper (LeakyReLU before every operation and projection; default) or fused (linear operations, ReLU after each node's sum, projections only where the channels change: every part one convolution as ONNX Runtime runs it)" };
        CellForm.AcceptOnlyFromAmong("paper", "fused");
        Operations = new Option<string?>(prefix + "operations") { Description = "the operations cell edges may run, comma-separated (e.g. conv_3x3,dil_conv_3x3,skip_connect; default all: conv_3x3, sep_conv_3x3, sep_conv_5x5, dil_conv_3x3, dil_conv_5x5, skip_connect; add none for nodes of one operation)" };
        WidthFactors = new Option<string?>(prefix + "width-factors") { Description = "the width levels as factors of F, comma-separated (default 1,1.5,2, the paper's; 1,2,3 with F 16 gives 16/32/48 channels, whole blocks of ONNX Runtime's 16-channel layout)" };
        ArchitectLearningRate = new Option<double?>(prefix + "arch-learning-rate") { Description = $"Adam's learning rate for α and β (default {defaults.ArchitectLearningRate})" };
        ArchitectWeightDecay = new Option<double?>(prefix + "arch-weight-decay") { Description = $"Adam's L2 weight decay on α and β (default {defaults.ArchitectWeightDecay}; the paper presets 1e-3, the official value)" };
        WeightOptimizer = new Option<string?>(prefix + "weight-optimizer") { Description = "the supernet's weights: sgd (the paper's search: momentum 0.9, cosine 0.025 → 0.001; default) or adam (the retraining's recipe: cosine 1e-3 → 1e-5)" };
        WeightOptimizer.AcceptOnlyFromAmong(WeightOptimizers.Names.ToArray());
        PixelLoss = new Option<string?>(prefix + "pixel-loss") { Description = "the loss's pixel term for weights and α/β: mse, l1 or log-mse (each sample's error in decibels); default the task's (mse for denoising, l1 for SR)" };
        PixelLoss.AcceptOnlyFromAmong(PixelLosses.Names.ToArray());
        Preset = new Option<string?>(prefix + "preset") { Description = "a configuration: paper-denoise or paper-sr (the paper's), frame-time-denoise or frame-time-sr (the frame-time space), frame-time-denoise-fused and frame-time-sr-input (its fused cells; the upscaler's at the input's resolution); explicit options still apply on top" };
        Preset.AcceptOnlyFromAmong(SearchPresets.Names.ToArray());
    }

    public Option<string> Data { get; }
    public Option<int?> Layers { get; }
    public Option<int?> Blocks { get; }
    public Option<int?> Filters { get; }
    public Option<int?> Stem { get; }
    public Option<int?> PixelUnshuffle { get; }
    public Option<int?> Epochs { get; }
    public Option<int?> Warmup { get; }
    public Option<int?> Steps { get; }
    public Option<int?> Batch { get; }
    public Option<int?> Crop { get; }
    public Option<ulong?> Seed { get; }
    public Option<bool> TieCells { get; }
    public Option<bool> NoCellSharing { get; }
    public Option<double?> SkipDropout { get; }
    public Option<double?> OperationDropout { get; }
    public Option<string?> SupernetTraining { get; }
    public Option<int?> RankedNetworks { get; }
    public Option<int?> SinglePathSteps { get; }
    public Option<string?> DilatedConvs { get; }
    public Option<string?> HeadConv { get; }
    public Option<string?> CellForm { get; }
    public Option<string?> Operations { get; }
    public Option<string?> WidthFactors { get; }
    public Option<double?> ArchitectLearningRate { get; }
    public Option<double?> ArchitectWeightDecay { get; }
    public Option<string?> WeightOptimizer { get; }
    public Option<string?> PixelLoss { get; }
    public Option<string?> Preset { get; }

    public IEnumerable<Option> All => new Option[] { Data, Layers, Blocks, Filters, Stem, PixelUnshuffle, Epochs, Warmup, Steps, Batch, Crop, Seed, TieCells, NoCellSharing, SkipDropout, OperationDropout, SupernetTraining, RankedNetworks, SinglePathSteps, DilatedConvs, HeadConv, CellForm, Operations, WidthFactors, ArchitectLearningRate, ArchitectWeightDecay, WeightOptimizer, PixelLoss, Preset };

    public void AddTo(Command command)
    {
        foreach (var option in All) command.Options.Add(option);
    }

    /// <summary>The settings as <see cref="SearchOptionsResolver"/> takes them (unset options stay unset).</summary>
    public SearchSettings ToSettings(ParseResult p) => new()
    {
        Preset = p.GetValue(Preset), Layers = p.GetValue(Layers), Blocks = p.GetValue(Blocks), Filters = p.GetValue(Filters), StemChannels = p.GetValue(Stem),
        PixelUnshuffle = p.GetValue(PixelUnshuffle), TieCells = p.GetValue(TieCells), NoCellSharing = p.GetValue(NoCellSharing), Data = p.GetValue(Data), Epochs = p.GetValue(Epochs),
        Warmup = p.GetValue(Warmup), StepsPerEpoch = p.GetValue(Steps), Batch = p.GetValue(Batch), Crop = p.GetValue(Crop), Seed = p.GetValue(Seed),
        SkipDropout = p.GetValue(SkipDropout), OperationDropout = p.GetValue(OperationDropout), SupernetTraining = p.GetValue(SupernetTraining), RankedNetworks = p.GetValue(RankedNetworks), SinglePathStepsPerEpoch = p.GetValue(SinglePathSteps), DilatedConvs = p.GetValue(DilatedConvs), HeadConv = p.GetValue(HeadConv), ArchitectLearningRate = p.GetValue(ArchitectLearningRate),
        CellForm = p.GetValue(CellForm), Operations = p.GetValue(Operations), WidthFactors = SearchOptionsResolver.ParseWidthFactors(p.GetValue(WidthFactors)),
        ArchitectWeightDecay = p.GetValue(ArchitectWeightDecay), WeightOptimizer = p.GetValue(WeightOptimizer), PixelLoss = p.GetValue(PixelLoss),
    };

    /// <summary>The settings as the Jobs service takes them (unset options stay unset: the server applies the same defaults).</summary>
    public Protocol.V1.SearchSettings ToMessage(ParseResult p)
    {
        var s = new Protocol.V1.SearchSettings { Data = p.GetValue(Data) ?? "", TieCells = p.GetValue(TieCells), NoCellSharing = p.GetValue(NoCellSharing), Preset = p.GetValue(Preset) ?? "", DilatedConvs = p.GetValue(DilatedConvs) ?? "", HeadConv = p.GetValue(HeadConv) ?? "", CellForm = p.GetValue(CellForm) ?? "", Operations = p.GetValue(Operations) ?? "", SupernetTraining = p.GetValue(SupernetTraining) ?? "",
            WeightOptimizer = p.GetValue(WeightOptimizer) ?? "", PixelLoss = p.GetValue(PixelLoss) ?? "" };
        if (p.GetValue(WidthFactors) is { } factors) s.WidthFactors.AddRange(SearchOptionsResolver.ParseWidthFactors(factors));
        if (p.GetValue(Layers) is { } layers) s.Layers = Count(layers, Layers);
        if (p.GetValue(Blocks) is { } blocks) s.Blocks = Count(blocks, Blocks);
        if (p.GetValue(Filters) is { } filters) s.Filters = Count(filters, Filters);
        if (p.GetValue(Stem) is { } stem) s.StemChannels = Count(stem, Stem);
        if (p.GetValue(PixelUnshuffle) is { } unshuffle) s.PixelUnshuffle = Count(unshuffle, PixelUnshuffle);
        if (p.GetValue(Epochs) is { } epochs) s.Epochs = Count(epochs, Epochs);
        if (p.GetValue(Warmup) is { } warmup) s.Warmup = Count(warmup, Warmup);
        if (p.GetValue(Steps) is { } steps) s.StepsPerEpoch = Count(steps, Steps);
        if (p.GetValue(RankedNetworks) is { } ranked) s.RankedNetworks = Count(ranked, RankedNetworks);
        if (p.GetValue(SinglePathSteps) is { } singlePathSteps) s.SinglePathStepsPerEpoch = Count(singlePathSteps, SinglePathSteps);
        if (p.GetValue(Batch) is { } batch) s.Batch = Count(batch, Batch);
        if (p.GetValue(Crop) is { } crop) s.Crop = Count(crop, Crop);
        if (p.GetValue(Seed) is { } seed) s.Seed = seed;
        if (p.GetValue(SkipDropout) is { } skipDropout) s.SkipDropout = skipDropout;
        if (p.GetValue(OperationDropout) is { } operationDropout) s.OperationDropout = operationDropout;
        if (p.GetValue(ArchitectLearningRate) is { } architectRate) s.ArchitectLearningRate = architectRate;
        if (p.GetValue(ArchitectWeightDecay) is { } architectDecay) s.ArchitectWeightDecay = architectDecay;
        return s;
    }

    internal static uint Count(int value, Option option) =>
        value >= 0 ? (uint)value : throw new CliUsageException($"{option.Name} must not be negative, got {value}");
}
