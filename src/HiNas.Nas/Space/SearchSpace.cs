using HiNas.Imaging.Tasks;

namespace HiNas.Nas.Space;

/// <summary>
/// The space a search explores and every genotype of it lives in: the task, L layers of cells, B nodes per cell, F
/// channels per node at width factor 1, the width levels' factors, the stem's channels, how its dilated
/// candidates compute (<see cref="ConvStyle"/>), the pixel-unshuffle factor r at which the network runs
/// (1: the paper's space, every part at the input's resolution; 2: the frame-time space, see <see cref="PixelUnshuffle"/>),
/// how the light head's convolution computes (<see cref="HeadConv"/>), where its cells' nonlinearity sits
/// (<see cref="Form"/>), and which operations its edges may run (<see cref="Candidates"/>).
/// One record, so that a
/// genotype, a random draw, a derivation, a latency floor or a baseline's search-space sizes never travel as loose numbers.
/// </summary>
public sealed class SearchSpace : IEquatable<SearchSpace>
{
    public SearchSpace(RestorationTask task, int layers, int blocks, int filters, IReadOnlyList<double> widthFactors, int stemChannels,
        ConvStyle dilatedConvs = ConvStyle.Dense, int pixelUnshuffle = 1, ConvStyle headConv = ConvStyle.Dense, CellForm form = CellForm.Paper,
        OperationSet? candidates = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (layers < 1) throw new ArgumentOutOfRangeException(nameof(layers), layers, "layers must be ≥ 1");
        if (blocks < 1) throw new ArgumentOutOfRangeException(nameof(blocks), blocks, "blocks must be ≥ 1");
        if (filters < 1) throw new ArgumentOutOfRangeException(nameof(filters), filters, "filters must be ≥ 1");
        if (stemChannels < 1) throw new ArgumentOutOfRangeException(nameof(stemChannels), stemChannels, "stem channels must be ≥ 1");
        if (!PixelUnshuffleFactor.IsValid(pixelUnshuffle)) throw new ArgumentOutOfRangeException(nameof(pixelUnshuffle), pixelUnshuffle, PixelUnshuffleFactor.Rule);
        if (widthFactors is null || widthFactors.Count == 0 || widthFactors.Any(f => !(f > 0)))
            throw new ArgumentException("width factors must be a non-empty list of positive numbers", nameof(widthFactors));
        Task = task;
        Layers = layers;
        Blocks = blocks;
        Filters = filters;
        WidthFactors = widthFactors.ToArray();
        StemChannels = stemChannels;
        DilatedConvs = dilatedConvs;
        PixelUnshuffle = pixelUnshuffle;
        HeadConv = headConv;
        Form = form;
        Candidates = candidates ?? OperationSet.All;
    }


    /// <summary>The width factors of the paper: 1, 1.5 and 2 × F.</summary>
    public static IReadOnlyList<double> DefaultWidthFactors { get; } = new[] { 1.0, 1.5, 2.0 };

    public RestorationTask Task { get; }
    public int Layers { get; }
    public int Blocks { get; }
    public int Filters { get; }
    public IReadOnlyList<double> WidthFactors { get; }
    public int StemChannels { get; }
    public ConvStyle DilatedConvs { get; }

    /// <summary>
    /// r: the network sees the input pixel-unshuffled (space-to-depth, as FFDNet: channels·r² at 1/r of each side), so
    /// the stem, the cells and the head run at 1/r² of the pixels, and the head's output is pixel-shuffled by r·s back to
    /// the output's size. With r &gt; 1 the stem's two projections are 1×1 instead of 3×3 (the frame-time space's cheaper
    /// fixed parts). Input sides that are not multiples of r are padded by edge replication and the output cropped.
    /// </summary>
    public int PixelUnshuffle { get; }

    /// <summary>
    /// The light head's 3×3 convolution: dense, or separable (depthwise 3×3 → pointwise 1×1), the frame-time upscalers'
    /// choice — their head goes to 3·(s·r)² channels at 1/r of each side, and dense it is most of the network's time
    /// (bench/latency). The official decoder, a retraining option of the paper's space, is unaffected.
    /// </summary>
    public ConvStyle HeadConv { get; }

    /// <summary>Where the cells' nonlinearity sits: before each operation (the paper's) or after each node's sum (fused, <see cref="CellForm"/>).</summary>
    public CellForm Form { get; }

    /// <summary>
    /// Whether a state of <paramref name="inChannels"/> is projected (1×1 convolution + BatchNorm) before a cell of
    /// <paramref name="outChannels"/> per node reads it: always in the paper's form; in the fused form only where the
    /// channels differ — a linear 1×1 projection onto as many channels adds a pass over memory and nothing the cell's
    /// first convolutions cannot learn. The one rule the supernet, the derived network and the latency model follow.
    /// </summary>
    public bool Projects(int inChannels, int outChannels) => Form == CellForm.Paper || inChannels != outChannels;

    /// <summary>Whether this is the frame-time space (r &gt; 1) rather than the paper's.</summary>
    public bool IsFrameTime => PixelUnshuffle > 1;

    /// <summary>
    /// Whether its networks retrain as searched (×1, the light head) by default rather than as the official code
    /// retrains the paper's (×2, the decoder): the frame-time spaces, at a quarter of the pixels or of fused cells at
    /// the input's (frame-time-sr-input), whose searches price exactly the searched network.
    /// </summary>
    public bool RetrainsAsSearched => IsFrameTime || Form == CellForm.Fused;

    /// <summary>The registry's operations as this space computes them, in the order of α's last axis (those it does not offer included: <see cref="Candidates"/>).</summary>
    public IReadOnlyList<Operation> Operations => Space.Operations.For(DilatedConvs, Form);

    /// <summary>The operations this space offers its edges (every usable one unless restricted).</summary>
    public OperationSet Candidates { get; }

    /// <summary>The operations a network of this space may run on an edge, as it computes them, in α's order (none excluded).</summary>
    public IEnumerable<Operation> Offered => Operations.Where(o => o.IsUsable && Candidates.Offers(o.Name));

    /// <summary>The operation named <paramref name="name"/> as this space computes it.</summary>
    public Operation Operation(string name) => Space.Operations.Named(name, DilatedConvs, Form);

    /// <summary>
    /// The same space <paramref name="multiplier"/> times as wide: F·multiplier channels per node at width factor 1
    /// (rounded; the official code retrains its found networks at twice the search width). The stem keeps its channels.
    /// </summary>
    public SearchSpace Widened(double multiplier)
    {
        if (!(multiplier > 0) || double.IsInfinity(multiplier)) throw new ArgumentOutOfRangeException(nameof(multiplier), multiplier, "the width multiplier must be a positive number");
        var filters = Math.Max(1, (int)Math.Round(Filters * multiplier, MidpointRounding.AwayFromZero));
        return new SearchSpace(Task, Layers, Blocks, filters, WidthFactors, StemChannels, DilatedConvs, PixelUnshuffle, HeadConv, Form, Candidates);
    }

    /// <summary>The outer space: the width lattice over the layers.</summary>
    public WidthLattice Lattice => new(Layers, WidthFactors.Count);

    /// <summary>Channels per node at width level <paramref name="level"/>: round(factor · F).</summary>
    public int NodeChannels(int level) => NodeChannelsFor(Filters, WidthFactors[level]);

    public static int NodeChannelsFor(int filters, double factor) => Math.Max(1, (int)Math.Round(factor * filters, MidpointRounding.AwayFromZero));

    public bool Equals(SearchSpace? other) =>
        other is not null && Task == other.Task && Layers == other.Layers && Blocks == other.Blocks && Filters == other.Filters
        && StemChannels == other.StemChannels && WidthFactors.SequenceEqual(other.WidthFactors) && DilatedConvs == other.DilatedConvs
        && PixelUnshuffle == other.PixelUnshuffle && HeadConv == other.HeadConv && Form == other.Form && Candidates.Equals(other.Candidates);

    public override bool Equals(object? obj) => Equals(obj as SearchSpace);

    public override int GetHashCode() => HashCode.Combine(Task, Layers, Blocks, Filters, StemChannels, WidthFactors.Count);

    public override string ToString() =>
        $"{Task.Slug} L={Layers} B={Blocks} F={Filters} stem {StemChannels} widths [{string.Join(", ", WidthFactors)}] {DilatedConvs.Name()} dilated convs" + (IsFrameTime ? $", pixel-unshuffle ×{PixelUnshuffle}" : "")
        + (HeadConv == ConvStyle.Dense ? "" : $", {HeadConv.Name()} head convolution") + (Form == CellForm.Paper ? "" : $", {Form.Name()} cells") + (Candidates.IsAll ? "" : $", operations {Candidates}");
}
