using System.CommandLine;
using HiNas.Imaging.Tasks;
using HiNas.Search.Searching;
using HiNas.Nas.Settings;

namespace HiNas.Cli.Infrastructure;

/// <summary>
/// The options that describe a search space (its sizes, cells, operations, widths, or a preset's): one definition for
/// `hinas search`, `hinas profile-latency` and the random genotypes of `hinas train --arch random:SEED`, so that each
/// describes a space the same way.
/// </summary>
public sealed class SearchSpaceOptions
{
    /// <param name="prefix">the options' prefix ("--", or "--search-" beside a command's own settings)</param>
    /// <param name="role">what the options are for, put before each description (e.g. "random genotypes: ")</param>
    public SearchSpaceOptions(string prefix = "--", string role = "")
    {
        var defaults = SearchOptions.DefaultsFor(RestorationTask.Denoise(25, 1));
        Layers = new Option<int?>(prefix + "layers") { Description = role + "L, layers of cells (default 3 for denoising, 2 for SR)" };
        Blocks = new Option<int?>(prefix + "blocks") { Description = role + $"B, nodes per cell (default {defaults.Supernet.Blocks})" };
        Filters = new Option<int?>(prefix + "filters") { Description = role + "F, channels per node at width factor 1 (default 10 for denoising, 8 for SR)" };
        Stem = new Option<int?>(prefix + "stem-channels") { Description = role + $"channels of the stem convolution (default {defaults.Supernet.StemChannels})" };
        PixelUnshuffle = new Option<int?>(prefix + "pixel-unshuffle") { Description = role + "r: run the network at 1/r² of the pixels (space-to-depth in, pixel shuffle out); 1 is the paper's space (default), 2 the frame-time space (1, 2 or 4)" };
        DilatedConvs = new Option<string?>(prefix + "dilated-convs") { Description = role + "dilated candidates: dense (the official operation table; default) or separable (DARTS's)" };
        DilatedConvs.AcceptOnlyFromAmong("dense", "separable");
        HeadConv = new Option<string?>(prefix + "head-conv") { Description = role + "the light head's 3×3 convolution: dense (default) or separable (depthwise 3×3 → pointwise 1×1; frame-time-sr's, where the head goes to 3·(2s)² channels)" };
        HeadConv.AcceptOnlyFromAmong("dense", "separable");
        CellForm = new Option<string?>(prefix + "cell-form") { Description = role + "paper (LeakyReLU before every operation and projection; default) or fused (linear operations, ReLU after each node's sum, projections only where the channels change: every part one convolution as ONNX Runtime runs it)" };
        CellForm.AcceptOnlyFromAmong("paper", "fused");
        Operations = new Option<string?>(prefix + "operations") { Description = role + "the operations cell edges may run, comma-separated (e.g. conv_3x3,dil_conv_3x3,skip_connect; default all: conv_3x3, sep_conv_3x3, sep_conv_5x5, dil_conv_3x3, dil_conv_5x5, skip_connect; add none for nodes of one operation)" };
        WidthFactors = new Option<string?>(prefix + "width-factors") { Description = role + "the width levels as factors of F, comma-separated (default 1,1.5,2, the paper's; 1,2,3 with F 16 gives 16/32/48 channels, whole blocks of ONNX Runtime's 16-channel layout)" };
        Preset = new Option<string?>(prefix + "preset") { Description = role + "a configuration: paper-denoise or paper-sr (the paper's), frame-time-denoise or frame-time-sr (the frame-time space), frame-time-denoise-fused and frame-time-sr-input (its fused cells; the upscaler's at the input's resolution); explicit options still apply on top" };
        Preset.AcceptOnlyFromAmong(SearchPresets.Names.ToArray());
    }

    public Option<int?> Layers { get; }
    public Option<int?> Blocks { get; }
    public Option<int?> Filters { get; }
    public Option<int?> Stem { get; }
    public Option<int?> PixelUnshuffle { get; }
    public Option<string?> DilatedConvs { get; }
    public Option<string?> HeadConv { get; }
    public Option<string?> CellForm { get; }
    public Option<string?> Operations { get; }
    public Option<string?> WidthFactors { get; }
    public Option<string?> Preset { get; }

    public IEnumerable<Option> All => new Option[] { Layers, Blocks, Filters, Stem, PixelUnshuffle, DilatedConvs, HeadConv, CellForm, Operations, WidthFactors, Preset };

    public void AddTo(Command command)
    {
        foreach (var option in All) command.Options.Add(option);
    }

    /// <summary>The first of these options given on the command line, or null.</summary>
    public Option? FirstGiven(ParseResult p) => All.FirstOrDefault(o => p.GetResult(o) is { Implicit: false });

    /// <summary>The space's settings as <see cref="SearchOptionsResolver"/> takes them (unset options stay unset).</summary>
    public SearchSettings ToSettings(ParseResult p) => new()
    {
        Preset = p.GetValue(Preset), Layers = p.GetValue(Layers), Blocks = p.GetValue(Blocks), Filters = p.GetValue(Filters), StemChannels = p.GetValue(Stem),
        PixelUnshuffle = p.GetValue(PixelUnshuffle), DilatedConvs = p.GetValue(DilatedConvs), HeadConv = p.GetValue(HeadConv), CellForm = p.GetValue(CellForm),
        Operations = p.GetValue(Operations), WidthFactors = SearchOptionsResolver.ParseWidthFactors(p.GetValue(WidthFactors)),
    };

    /// <summary>The space's settings into the Jobs service's message (unset options stay unset).</summary>
    public void WriteTo(ParseResult p, Protocol.V1.SearchSettings s)
    {
        s.Preset = p.GetValue(Preset) ?? "";
        s.DilatedConvs = p.GetValue(DilatedConvs) ?? "";
        s.HeadConv = p.GetValue(HeadConv) ?? "";
        s.CellForm = p.GetValue(CellForm) ?? "";
        s.Operations = p.GetValue(Operations) ?? "";
        if (p.GetValue(WidthFactors) is { } factors) s.WidthFactors.AddRange(SearchOptionsResolver.ParseWidthFactors(factors));
        if (p.GetValue(Layers) is { } layers) s.Layers = SearchSettingOptions.Count(layers, Layers);
        if (p.GetValue(Blocks) is { } blocks) s.Blocks = SearchSettingOptions.Count(blocks, Blocks);
        if (p.GetValue(Filters) is { } filters) s.Filters = SearchSettingOptions.Count(filters, Filters);
        if (p.GetValue(Stem) is { } stem) s.StemChannels = SearchSettingOptions.Count(stem, Stem);
        if (p.GetValue(PixelUnshuffle) is { } unshuffle) s.PixelUnshuffle = SearchSettingOptions.Count(unshuffle, PixelUnshuffle);
    }
}
