using System.Globalization;
using HiNas.Imaging.Tasks;
using HiNas.Nas.Genotypes;
using HiNas.Nas.Space;

namespace HiNas.Nas.Settings;

/// <summary>
/// Which network to build: a searched genotype, a random genotype from the same space, or a hand-designed
/// baseline (DnCNN or FFDNet for denoising; ESPCN or FSRCNN for SR) with its depth and width. A HiNAS network (searched or
/// random) is retrained <see cref="WidthMultiplier"/> times as wide as searched and ends in <see cref="Head"/>.
/// </summary>
public sealed record ArchitectureSpec
{
    public required string Kind { get; init; }

    /// <summary>The genotype for "genotype" and "random" (the sampled one, so a run can be rebuilt).</summary>
    public Genotype? Genotype { get; init; }

    public ulong? RandomSeed { get; init; }
    public int? Depth { get; init; }
    public int? Width { get; init; }

    /// <summary>
    /// DnCNN and FFDNet (<see cref="HasStackActivation"/>): the activation of their stack; unset, <see
    /// cref="ReluActivation"/> as their papers have it. An options file written before the setting existed (2026-12-08)
    /// is read with the <see cref="LeakyReluActivation"/> these stacks had until then, so that a checkpoint is rebuilt
    /// as it was trained (<see cref="TrainOptionsJson"/>). By measurement (bench/latency): FFDNet 4 × 48 trains 0.17 dB
    /// higher with ReLU; 7 × 48 and 10 × 48 the same within their seeds' spread.
    /// </summary>
    public string? Activation { get; init; }

    public const string ReluActivation = "relu";
    public const string LeakyReluActivation = "leaky_relu";

    /// <summary>The activation a DnCNN or FFDNet stack is built with (<see cref="Activation"/>).</summary>
    public string EffectiveActivation => Activation ?? ReluActivation;

    /// <summary>Whether networks of <paramref name="kind"/> take <see cref="Activation"/>: DnCNN and FFDNet.</summary>
    public static bool HasStackActivation(string? kind) => kind is DnCnnKind or FfdnetKind;

    /// <summary>HiNAS networks: how many times the search width F they are retrained at (the official code retrains at 2×).</summary>
    public double? WidthMultiplier { get; init; }

    /// <summary>HiNAS networks: the light head or the official decoder.</summary>
    public DerivedHead? Head { get; init; }

    /// <summary>
    /// HiNAS networks of fused cells (<see cref="CellForm.Fused"/>): each k×k convolution of their cells is trained as a
    /// collapsible pair — k×k onto this many times its output channels, then 1×1 back — and served as the one k×k
    /// convolution the pair multiplies out to (expansion, Guo et al. 2020; SESR's collapsible linear blocks, Bhardwaj et
    /// al. 2022): the served network, its parameters and time are those without it. Unset or 1: trained as served.
    /// </summary>
    public int? ConvExpansion { get; init; }

    /// <summary>The setting <see cref="ConvExpansion"/> is given in.</summary>
    public const string ConvExpansionSetting = "conv_expansion";

    /// <summary>The largest expansion accepted (a 48-channel layer then trains a 768-channel k×k convolution).</summary>
    public const int MaxConvExpansion = 16;

    /// <summary>The expansion the network is built with: 1 (trained as served) unless one is set.</summary>
    public int EffectiveConvExpansion => ConvExpansion ?? 1;

    /// <summary>The official retraining width: twice the search's F (F 20 for denoising, 16 for SR).</summary>
    public const double DefaultWidthMultiplier = 2;

    /// <summary>The head a HiNAS network gets when none is asked for.</summary>
    public const DerivedHead DefaultHead = DerivedHead.Decoder;

    /// <summary>Whether this is a network of the HiNAS space (searched or random), which the retraining settings apply to.</summary>
    public bool IsHiNas => IsHiNasKind(Kind);

    public static bool IsHiNasKind(string? kind) => kind is GenotypeKind or RandomKind;

    /// <summary>
    /// The multiplier and head the network is built with. Unset — a spec made directly rather than resolved from settings,
    /// or a run written before the settings existed — is the network as searched: ×1 with the light head.
    /// </summary>
    public double EffectiveWidthMultiplier => WidthMultiplier ?? 1;

    public DerivedHead EffectiveHead => Head ?? DerivedHeads.Unrecorded;

    /// <summary>The genotype of the network that is built: the searched one, widened by <see cref="EffectiveWidthMultiplier"/>.</summary>
    public Genotype? NetworkGenotype => Genotype?.Widened(EffectiveWidthMultiplier);

    /// <summary>
    /// The retraining settings applied: for a HiNAS network the given multiplier and head, or the defaults — the
    /// official ×2 and decoder; the network as searched, ×1 with the light head, when <paramref name="asSearched"/> (it
    /// met a latency budget as searched) or when its space retrains so (<see cref="SearchSpace.RetrainsAsSearched"/>: the
    /// 128-channel decoder alone would cost more than the rest of a frame-time network); for a baseline neither may be
    /// given.
    /// </summary>
    public ArchitectureSpec WithRetraining(double? widthMultiplier, string? head, bool asSearched = false, int? convExpansion = null)
    {
        asSearched |= Genotype?.Space.RetrainsAsSearched == true;
        if (!IsHiNas)
        {
            RefuseRetrainingSettings(widthMultiplier is not null, head is { Length: > 0 }, convExpansion is not null);
            return this;
        }
        DerivedHead parsed;
        try
        {
            parsed = head is { Length: > 0 } ? DerivedHeads.Parse(head) : asSearched ? DerivedHead.Light : DefaultHead;
        }
        catch (ArgumentException e)
        {
            throw new SettingException(DerivedHeads.Setting, e.Message);
        }
        return this with { WidthMultiplier = widthMultiplier ?? (asSearched ? 1 : DefaultWidthMultiplier), Head = parsed, ConvExpansion = convExpansion };
    }

    private void RefuseRetrainingSettings(bool widthMultiplier, bool head, bool convExpansion)
    {
        if (widthMultiplier) throw new SettingException("width_multiplier", $"is for HiNAS networks; size a {Kind} baseline by its width");
        if (head) throw new SettingException(DerivedHeads.Setting, $"is for HiNAS networks, not a {Kind} baseline");
        if (convExpansion) throw new SettingException(ConvExpansionSetting, $"is for HiNAS networks of fused cells, not a {Kind} baseline");
    }

    /// <summary>Range checks of the retraining settings.</summary>
    public void Validate()
    {
        if (!IsHiNas) RefuseRetrainingSettings(WidthMultiplier is not null, Head is not null, ConvExpansion is not null);
        if (Activation is not null)
        {
            SettingException.Require(HasStackActivation(Kind), "activation", $"is recorded for dncnn and ffdnet stacks, not for {Kind}");
            SettingException.Require(Activation is ReluActivation or LeakyReluActivation, "activation", $"'{Activation}' is not {ReluActivation} or {LeakyReluActivation}");
        }
        SettingException.Require(WidthMultiplier is null || WidthMultiplier is >= 0.25 and <= 8, "width_multiplier", $"must be in [0.25, 8], got {WidthMultiplier}");
        SettingException.Require(ConvExpansion is null or (>= 1 and <= MaxConvExpansion), ConvExpansionSetting, $"must be in [1, {MaxConvExpansion}], got {ConvExpansion}");
        if (ConvExpansion is > 1 && Genotype is { } g && g.Space.Form != CellForm.Fused)
            throw new SettingException(ConvExpansionSetting, $"is for networks of fused cells (cell_form fused); this network's cells are of the paper's form, for which it is not built");
    }

    /// <summary>The setting a baseline's name is given in.</summary>
    public const string Setting = "architecture";

    public const string GenotypeKind = "genotype";
    public const string RandomKind = "random";
    public const string DnCnnKind = "dncnn";
    /// <summary>FFDNet: DnCNN's stack at a quarter of the pixels (pixel-unshuffle 2), the hand-designed real-time denoiser.</summary>
    public const string FfdnetKind = "ffdnet";
    public const string EspcnKind = "espcn";
    public const string FsrcnnKind = "fsrcnn";

    public static ArchitectureSpec FromGenotype(Genotype genotype) => new() { Kind = GenotypeKind, Genotype = genotype };

    /// <summary>Whether the architecture setting <paramref name="text"/> asks for a random genotype (random:SEED), which is drawn from a search space.</summary>
    public static bool NamesRandomGenotype(string text) => text.Trim().StartsWith(RandomKind + ":", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Parses the architecture setting: dncnn | ffdnet | espcn | fsrcnn | random:SEED. Random genotypes are drawn from <paramref name="space"/>.
    /// Baseline defaults are small, in the parameter range of the networks the default search finds.
    /// </summary>
    public static ArchitectureSpec Parse(string text, RestorationTask task, int? depth, int? width, SearchSpace space)
    {
        var name = text.Trim().ToLowerInvariant();
        if (depth is < 1 or > 256) throw new SettingException("depth", $"must be in [1, 256], got {depth}");
        if (width is < 1 or > 4096) throw new SettingException("width", $"must be in [1, 4096], got {width}");
        if (NamesRandomGenotype(text))
        {
            if (!ulong.TryParse(name[(RandomKind.Length + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var seed))
                throw new SettingException(Setting, $"'{text}': the random seed must be a non-negative integer, e.g. random:3");
            return new ArchitectureSpec
            {
                Kind = RandomKind, RandomSeed = seed,
                Genotype = RandomGenotype.Sample(space, seed),
            };
        }
        return name switch
        {
            DnCnnKind or FfdnetKind when task.Kind == RestorationKind.Denoise => new ArchitectureSpec { Kind = name, Depth = depth ?? DefaultDepth(name), Width = width ?? DefaultWidth(name) },
            EspcnKind or FsrcnnKind when task.Kind == RestorationKind.SuperResolution =>
                new ArchitectureSpec { Kind = name, Depth = depth ?? DefaultDepth(name), Width = width ?? DefaultWidth(name) },
            DnCnnKind or FfdnetKind => throw new SettingException(Setting, $"{name} is a denoiser; for super-resolution use espcn or fsrcnn"),
            EspcnKind or FsrcnnKind => throw new SettingException(Setting, $"{name} is an upscaler; for denoising use dncnn or ffdnet"),
            _ => throw new SettingException(Setting, $"'{text}' is not dncnn, ffdnet, espcn, fsrcnn or random:SEED"),
        };
    }

    /// <summary>
    /// A network named in one word, as a reference is given: a baseline with its size, NAME:DEPTH:WIDTH (e.g.
    /// ffdnet:7:48), a baseline at its default size, NAME, or random:SEED.
    /// </summary>
    public static ArchitectureSpec ParseSized(string text, RestorationTask task, SearchSpace space)
    {
        var parts = text.Trim().Split(':');
        if (parts.Length != 3 || parts[0].Equals(RandomKind, StringComparison.OrdinalIgnoreCase)) return Parse(text, task, null, null, space);
        int Size(string part, string setting) => int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n : throw new SettingException(Setting, $"'{text}': the {setting} must be a positive integer (NAME:DEPTH:WIDTH, e.g. ffdnet:7:48)");
        return Parse(parts[0], task, Size(parts[1], "depth"), Size(parts[2], "width"), space);
    }

    /// <summary>
    /// Baseline sizes, chosen near the ~20–40 k parameters of the networks the default searches find:
    /// DnCNN depth 8 × 26 channels (≈ 37 k), FFDNet depth 8 × 32 at a quarter of the pixels (≈ 58 k gray, about the
    /// frame-time defaults' cost per frame), ESPCN depth 4 × 32 (≈ 24 k for RGB ×2), FSRCNN with the original
    /// d = 56, s = 12, m = 4 (≈ 17 k for RGB ×2).
    /// </summary>
    public static int DefaultDepth(string kind) => kind switch { DnCnnKind => 8, FfdnetKind => 8, EspcnKind => 4, FsrcnnKind => 4, _ => 0 };

    public static int DefaultWidth(string kind) => kind switch { DnCnnKind => 26, FfdnetKind => 32, EspcnKind => 32, FsrcnnKind => 56, _ => 0 };

    public int DepthOrDefault => Depth ?? DefaultDepth(Kind);

    public int WidthOrDefault => Width ?? DefaultWidth(Kind);

    private string Expansion => EffectiveConvExpansion > 1 ? $", convolutions trained ×{EffectiveConvExpansion} expanded" : "";

    public override string ToString() => Kind switch
    {
        GenotypeKind => $"genotype ×{EffectiveWidthMultiplier} {EffectiveHead.Name()} head{Expansion}",
        RandomKind => $"random:{RandomSeed} ×{EffectiveWidthMultiplier} {EffectiveHead.Name()} head{Expansion}",
        _ => $"{Kind} depth {Depth} width {Width}",
    };
}
