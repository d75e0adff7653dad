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
        Space = new SearchSpaceOptions(prefix);
        Data = new Option<string>(prefix + "data") { Description = "training images: a folder, deadleaves, or deadleaves:COUNTxSIZE", DefaultValueFactory = _ => "deadleaves" };
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
        ArchitectLearningRate = new Option<double?>(prefix + "arch-learning-rate") { Description = $"Adam's learning rate for α and β (default {defaults.ArchitectLearningRate})" };
        ArchitectWeightDecay = new Option<double?>(prefix + "arch-weight-decay") { Description = $"Adam's L2 weight decay on α and β (default {defaults.ArchitectWeightDecay}; the paper presets 1e-3, the official value)" };
        WeightOptimizer = new Option<string?>(prefix + "weight-optimizer") { Description = "the supernet's weights: sgd (the paper's search: momentum 0.9, cosine 0.025 → 0.001; default) or adam (the retraining's recipe: cosine 1e-3 → 1e-5)" };
        WeightOptimizer.AcceptOnlyFromAmong(WeightOptimizers.Names.ToArray());
        PixelLoss = new Option<string?>(prefix + "pixel-loss") { Description = "the loss's pixel term for weights and α/β: mse, l1 or log-mse (each sample's error in decibels); default the task's (mse for denoising, l1 for SR)" };
        PixelLoss.AcceptOnlyFromAmong(PixelLosses.Names.ToArray());
    }

    /// <summary>The options that describe the space searched.</summary>
    public SearchSpaceOptions Space { get; }
    public Option<string?> Preset => Space.Preset;
    public Option<string> Data { get; }
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
    public Option<double?> ArchitectLearningRate { get; }
    public Option<double?> ArchitectWeightDecay { get; }
    public Option<string?> WeightOptimizer { get; }
    public Option<string?> PixelLoss { get; }

    public IEnumerable<Option> All => new Option[] { Data, Epochs, Warmup, Steps, Batch, Crop, Seed, TieCells, NoCellSharing, SkipDropout, OperationDropout, SupernetTraining, RankedNetworks, SinglePathSteps, ArchitectLearningRate, ArchitectWeightDecay, WeightOptimizer, PixelLoss }.Concat(Space.All);

    public void AddTo(Command command)
    {
        foreach (var option in All) command.Options.Add(option);
    }

    /// <summary>The settings as <see cref="SearchOptionsResolver"/> takes them (unset options stay unset).</summary>
    public SearchSettings ToSettings(ParseResult p) => Space.ToSettings(p) with
    {
        TieCells = p.GetValue(TieCells), NoCellSharing = p.GetValue(NoCellSharing), Data = p.GetValue(Data), Epochs = p.GetValue(Epochs),
        Warmup = p.GetValue(Warmup), StepsPerEpoch = p.GetValue(Steps), Batch = p.GetValue(Batch), Crop = p.GetValue(Crop), Seed = p.GetValue(Seed),
        SkipDropout = p.GetValue(SkipDropout), OperationDropout = p.GetValue(OperationDropout), SupernetTraining = p.GetValue(SupernetTraining), RankedNetworks = p.GetValue(RankedNetworks), SinglePathStepsPerEpoch = p.GetValue(SinglePathSteps), ArchitectLearningRate = p.GetValue(ArchitectLearningRate),
        ArchitectWeightDecay = p.GetValue(ArchitectWeightDecay), WeightOptimizer = p.GetValue(WeightOptimizer), PixelLoss = p.GetValue(PixelLoss),
    };

    /// <summary>The settings as the Jobs service takes them (unset options stay unset: the server applies the same defaults).</summary>
    public Protocol.V1.SearchSettings ToMessage(ParseResult p)
    {
        var s = new Protocol.V1.SearchSettings { Data = p.GetValue(Data) ?? "", TieCells = p.GetValue(TieCells), NoCellSharing = p.GetValue(NoCellSharing), SupernetTraining = p.GetValue(SupernetTraining) ?? "",
            WeightOptimizer = p.GetValue(WeightOptimizer) ?? "", PixelLoss = p.GetValue(PixelLoss) ?? "" };
        Space.WriteTo(p, s);
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
