using System.CommandLine;
using System.Globalization;
using HiNas.Imaging.Tasks;
using HiNas.Search.Networks;
using HiNas.Search.Training;
using HiNas.Nas.Runs;
using HiNas.Nas.Settings;
using HiNas.Nas.Space;

namespace HiNas.Cli.Infrastructure;

/// <summary>The training settings `hinas train` and `hinas jobs train` share.</summary>
public sealed class TrainSettingOptions
{
    public TrainSettingOptions()
    {
        var defaults = new TrainOptions { Task = RestorationTask.Denoise(25, 1), Architecture = new ArchitectureSpec { Kind = ArchitectureSpec.DnCnnKind } };
        Data = new Option<string>("--data") { Description = "training images: a folder, deadleaves, or deadleaves:COUNTxSIZE", DefaultValueFactory = _ => "deadleaves" };
        Iterations = new Option<int?>("--iterations") { Description = $"training iterations (default {defaults.Iterations})" };
        Batch = new Option<int?>("--batch") { Description = $"patches per batch (default {defaults.Batch})" };
        Crop = new Option<int?>("--crop") { Description = $"target (HR) patch size (default {defaults.Crop}, rounded up to a multiple of the scale)" };
        LearningRate = new Option<double?>("--lr") { Description = $"Adam learning rate (default {defaults.LearningRate.ToString(CultureInfo.InvariantCulture)})" };
        Schedule = new Option<string?>("--schedule") { Description = "cosine (default) or poly" };
        Schedule.AcceptOnlyFromAmong("cosine", "poly");
        ValidateEvery = new Option<int?>("--validate-every") { Description = $"iterations between validations and checkpoints (default {defaults.ValidateEvery})" };
        SigmaRange = new Option<string?>("--sigma-range") { Description = "denoising: train blind on σ drawn from MIN:MAX per sample (validation at --sigma), e.g. 0:50" };
        PixelLoss = new Option<string?>("--pixel-loss") { Description = $"the loss's pixel term: {string.Join(", ", PixelLosses.Names)} (log-mse: each sample's error in decibels, so a range of σ is not ruled by its noisiest samples); default mse for denoising, l1 for SR" };
        NoiseMap = new Option<bool>("--noise-map") { Description = "denoising: tell the network each sample's σ (FFDNet's noise-level map) instead of training it blind; the model then takes σ with each frame (restore --sigma)" };
        Seed = new Option<ulong?>("--seed") { Description = "seed of data, sampling and initialisation (default 1)" };
        WidthMultiplier = new Option<double?>("--width-multiplier") { Description = $"HiNAS networks: retrain this many times as wide as searched (default {ArchitectureSpec.DefaultWidthMultiplier.ToString(CultureInfo.InvariantCulture)}, the official retraining; 1 for the frame-time space)" };
        Head = new Option<string?>("--head") { Description = $"HiNAS networks: light (one 3×3 convolution) or decoder (the official decoder; default {ArchitectureSpec.DefaultHead.Name()}, light for the frame-time space)" };
        Head.AcceptOnlyFromAmong("light", "decoder");
        ConvExpansion = new Option<int?>("--conv-expansion") { Description = $"HiNAS networks of fused cells: train each k×k convolution as k×k onto E times its channels, then 1×1 back, and serve the one convolution the pair multiplies out to (the served network, its parameters and time unchanged; training costs more); 1 to {ArchitectureSpec.MaxConvExpansion} (default 1: trained as served)" };
        Depth = new Option<int?>("--depth") { Description = "baseline depth (layers)" };
        Width = new Option<int?>("--width") { Description = "baseline width (channels)" };
    }

    public Option<string> Data { get; }
    public Option<int?> Iterations { get; }
    public Option<int?> Batch { get; }
    public Option<int?> Crop { get; }
    public Option<double?> LearningRate { get; }
    public Option<string?> Schedule { get; }
    public Option<int?> ValidateEvery { get; }
    public Option<string?> SigmaRange { get; }
    public Option<bool> NoiseMap { get; }
    public Option<string?> PixelLoss { get; }
    public Option<ulong?> Seed { get; }
    public Option<double?> WidthMultiplier { get; }
    public Option<string?> Head { get; }
    public Option<int?> ConvExpansion { get; }
    public Option<int?> Depth { get; }
    public Option<int?> Width { get; }

    /// <summary>Every option, in help order.</summary>
    public IReadOnlyList<Option> All => [Data, Iterations, Batch, Crop, LearningRate, Schedule, ValidateEvery, SigmaRange, NoiseMap, PixelLoss, Seed, WidthMultiplier, Head, ConvExpansion, Depth, Width];

    public void AddTo(Command command)
    {
        foreach (var option in All) command.Options.Add(option);
    }

    public static double[] ParseRange(string text)
    {
        var parts = text.Split(':');
        if (parts.Length == 2 && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var min)
            && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var max))
            return new[] { min, max }; // the range itself is checked with the other settings (TrainOptions.Validate)
        throw new CliUsageException($"--sigma-range '{text}' must be MIN:MAX, e.g. 0:50");
    }

    /// <summary>The settings as <see cref="TrainOptionsResolver"/> takes them (unset options stay unset).</summary>
    public TrainSettings ToSettings(ParseResult p)
    {
        var range = p.GetValue(SigmaRange) is { } text ? ParseRange(text) : null;
        return new TrainSettings
        {
            Data = p.GetValue(Data), Iterations = p.GetValue(Iterations), Batch = p.GetValue(Batch), Crop = p.GetValue(Crop), LearningRate = p.GetValue(LearningRate),
            Schedule = p.GetValue(Schedule), ValidateEvery = p.GetValue(ValidateEvery), SigmaMin = range?[0], SigmaMax = range?[1], NoiseMap = p.GetValue(NoiseMap), PixelLoss = p.GetValue(PixelLoss),
            Seed = p.GetValue(Seed), WidthMultiplier = p.GetValue(WidthMultiplier), Head = p.GetValue(Head), ConvExpansion = p.GetValue(ConvExpansion),
        };
    }

    /// <summary>The settings as the Jobs service takes them.</summary>
    public Protocol.V1.TrainSettings ToMessage(ParseResult p)
    {
        var t = new Protocol.V1.TrainSettings { Data = p.GetValue(Data) ?? "", Schedule = p.GetValue(Schedule) ?? "", Head = p.GetValue(Head) ?? "" };
        if (p.GetValue(WidthMultiplier) is { } multiplier) t.WidthMultiplier = multiplier;
        if (p.GetValue(ConvExpansion) is { } expansion) t.ConvExpansion = SearchSettingOptions.Count(expansion, ConvExpansion);
        if (p.GetValue(Iterations) is { } iterations) t.Iterations = SearchSettingOptions.Count(iterations, Iterations);
        if (p.GetValue(Batch) is { } batch) t.Batch = SearchSettingOptions.Count(batch, Batch);
        if (p.GetValue(Crop) is { } crop) t.Crop = SearchSettingOptions.Count(crop, Crop);
        if (p.GetValue(LearningRate) is { } lr) t.LearningRate = lr;
        if (p.GetValue(ValidateEvery) is { } every) t.ValidateEvery = SearchSettingOptions.Count(every, ValidateEvery);
        if (p.GetValue(SigmaRange) is { } range)
        {
            var r = ParseRange(range);
            (t.SigmaMin, t.SigmaMax) = (r[0], r[1]);
        }
        if (p.GetValue(Seed) is { } seed) t.Seed = seed;
        t.NoiseMap = p.GetValue(NoiseMap);
        t.PixelLoss = p.GetValue(PixelLoss) ?? "";
        return t;
    }
}
