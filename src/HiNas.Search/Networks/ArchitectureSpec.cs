using System.Globalization;
using HiNas.Imaging.Tasks;
using HiNas.Search.Baselines;
using HiNas.Search.Genotypes;
using TorchSharp;
using static TorchSharp.torch;

namespace HiNas.Search.Networks;

/// <summary>
/// Which network to build: a searched genotype, a random genotype from the same space, or a hand-designed
/// baseline (DnCNN for denoising; ESPCN or FSRCNN for SR) with its depth and width.
/// </summary>
public sealed record ArchitectureSpec
{
    public required string Kind { get; init; }

    /// <summary>The genotype for "genotype" and "random" (the sampled one, so a run can be rebuilt).</summary>
    public Genotype? Genotype { get; init; }

    public ulong? RandomSeed { get; init; }
    public int? Depth { get; init; }
    public int? Width { get; init; }

    public const string GenotypeKind = "genotype";
    public const string RandomKind = "random";
    public const string DnCnnKind = "dncnn";
    public const string EspcnKind = "espcn";
    public const string FsrcnnKind = "fsrcnn";

    public static ArchitectureSpec FromGenotype(Genotype genotype) => new() { Kind = GenotypeKind, Genotype = genotype };

    /// <summary>
    /// Parses --arch: dncnn | espcn | fsrcnn | random:SEED. Random genotypes use the given search-space sizes.
    /// Baseline defaults are small, in the parameter range of the networks the default search finds.
    /// </summary>
    public static ArchitectureSpec Parse(string text, RestorationTask task, int? depth, int? width,
        int layers, int blocks, int filters, IReadOnlyList<double> widthFactors, int stemChannels)
    {
        var name = text.Trim().ToLowerInvariant();
        if (name.StartsWith(RandomKind + ":", StringComparison.Ordinal))
        {
            if (!ulong.TryParse(name[(RandomKind.Length + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var seed))
                throw new ArgumentException($"--arch '{text}': the random seed must be a non-negative integer, e.g. random:3");
            return new ArchitectureSpec
            {
                Kind = RandomKind, RandomSeed = seed,
                Genotype = RandomGenotype.Sample(task, layers, blocks, filters, widthFactors, stemChannels, seed),
            };
        }
        return name switch
        {
            DnCnnKind when task.Kind == RestorationKind.Denoise => new ArchitectureSpec { Kind = DnCnnKind, Depth = depth ?? DefaultDepth(name), Width = width ?? DefaultWidth(name) },
            EspcnKind or FsrcnnKind when task.Kind == RestorationKind.SuperResolution =>
                new ArchitectureSpec { Kind = name, Depth = depth ?? DefaultDepth(name), Width = width ?? DefaultWidth(name) },
            DnCnnKind => throw new ArgumentException("--arch dncnn is a denoiser; for --task sr use espcn or fsrcnn"),
            EspcnKind or FsrcnnKind => throw new ArgumentException($"--arch {name} is an upscaler; for --task denoise use dncnn"),
            _ => throw new ArgumentException($"--arch '{text}' is not dncnn, espcn, fsrcnn or random:SEED"),
        };
    }

    /// <summary>
    /// Baseline sizes, chosen near the ~20–40 k parameters of the networks the default searches find:
    /// DnCNN depth 8 × 26 channels (≈ 37 k), ESPCN depth 4 × 32 (≈ 24 k for RGB ×2), FSRCNN with the original
    /// d = 56, s = 12, m = 4 (≈ 17 k for RGB ×2).
    /// </summary>
    public static int DefaultDepth(string kind) => kind switch { DnCnnKind => 8, EspcnKind => 4, FsrcnnKind => 4, _ => 0 };

    public static int DefaultWidth(string kind) => kind switch { DnCnnKind => 26, EspcnKind => 32, FsrcnnKind => 56, _ => 0 };

    /// <summary>Builds the (untrained) network for <paramref name="task"/>.</summary>
    public nn.Module<Tensor, Tensor> Build(RestorationTask task) => Kind switch
    {
        GenotypeKind or RandomKind => new DerivedNetwork(Genotype ?? throw new InvalidOperationException($"a '{Kind}' architecture needs its genotype")),
        DnCnnKind => new DnCnn(task, Depth ?? DefaultDepth(Kind), Width ?? DefaultWidth(Kind)),
        EspcnKind => new Espcn(task, Depth ?? DefaultDepth(Kind), Width ?? DefaultWidth(Kind)),
        FsrcnnKind => new Fsrcnn(task, Depth ?? DefaultDepth(Kind), Width ?? DefaultWidth(Kind), Math.Max(4, (int)Math.Round((Width ?? DefaultWidth(Kind)) * 12.0 / 56))),
        _ => throw new InvalidOperationException($"unknown architecture kind '{Kind}'"),
    };

    public override string ToString() => Kind switch
    {
        GenotypeKind => "genotype",
        RandomKind => $"random:{RandomSeed}",
        _ => $"{Kind} depth {Depth} width {Width}",
    };
}
