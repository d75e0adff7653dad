using HiNas.Imaging.Randomness;
using HiNas.Imaging.Tasks;
using HiNas.Search.Cells;
using HiNas.Search.Networks;
using HiNas.Search.Operations;
using HiNas.Search.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using HiNas.Nas.Genotypes;
using HiNas.Nas.Settings;
using HiNas.Nas.Space;

namespace HiNas.Search.Supernets;

/// <summary>
/// The HiNAS supernet: a stem, L layers of cells at the live width levels of the lattice, one head per width
/// of the last layer (their predictions averaged) and the task's residual.
/// <para>Cell (l, h) has C_h = round(factor_h·F) channels per node. Its s0 is the β-weighted sum of the
/// previous layer's neighbouring states, each projected to C_h by a router (LeakyReLU, 1×1 conv, BN; fused cells:
/// <see cref="OperationTable.Projection"/>); its s1
/// is the state two layers back at the nearest live width (layer 1: the stem's F-channel output; layer 2: the
/// stem's B·F-channel output), projected to C_h. With cell sharing one cell runs on the fused s0; without,
/// the cell runs once per incoming path and the outputs are β-weighted (the per-path baseline).</para>
/// <para>α [L or 1, k, |ops|] (LWAS: layer l's cells at every width share α[l]) and β [sources, 3] are
/// parameters of this module; <see cref="WeightParameters"/> excludes them.</para>
/// </summary>
public sealed class Supernet : Module<Tensor, Tensor>
{
    private readonly Stem stem;
    private readonly TorchSharp.Modules.ModuleDict<Module<Tensor, Tensor>> routers;
    private readonly TorchSharp.Modules.ModuleDict<Module<Tensor, Tensor>> preprocess;
    private readonly TorchSharp.Modules.ModuleDict<SearchCell> cells;
    private readonly TorchSharp.Modules.ModuleDict<RestorationHead> heads;
    private readonly TorchSharp.Modules.Parameter alpha;
    private readonly TorchSharp.Modules.Parameter beta;
    private readonly bool[] _betaMask;
    private static readonly Scalar[] _headWeights = Enumerable.Range(0, 9).Select(n => TensorMath.Constant(Math.Max(1, n))).ToArray();

    public Supernet(SupernetConfig config) : base(nameof(Supernet))
    {
        config.Validate();
        Config = config;
        Lattice = new WidthLattice(config.Layers, config.WidthFactors.Count);
        var b = config.Blocks;
        var space = config.Space;
        stem = new Stem(config.Task.Channels, config.Space);
        routers = new TorchSharp.Modules.ModuleDict<Module<Tensor, Tensor>>();
        preprocess = new TorchSharp.Modules.ModuleDict<Module<Tensor, Tensor>>();
        cells = new TorchSharp.Modules.ModuleDict<SearchCell>();
        heads = new TorchSharp.Modules.ModuleDict<RestorationHead>();
        for (var l = 1; l <= config.Layers; l++)
            for (var h = 0; h < Lattice.LiveWidths(l); h++)
            {
                var c = config.NodeChannels(h);
                foreach (var from in Lattice.Inputs(l, h))
                    routers.Add(RouterKey(l, h, from), OperationTable.Projection(space, b * config.NodeChannels(from), c, affine: false));
                preprocess.Add(CellKey(l, h), OperationTable.Projection(space, TwoBackChannels(l, h), c, affine: false));
                cells.Add(CellKey(l, h), new SearchCell(b, c, space));
            }
        for (var h = 0; h < Lattice.LiveWidths(config.Layers); h++)
            heads.Add($"w{h}", new RestorationHead(b * config.NodeChannels(h), config.Task, config.PixelUnshuffle, config.HeadConv, config.Form));

        var alphaRows = config.TieCells ? 1 : config.Layers;
        alpha = new TorchSharp.Modules.Parameter(1e-3 * torch.randn(alphaRows, CellTopology.EdgeCount(b), OperationNames.Count));
        beta = new TorchSharp.Modules.Parameter(1e-3 * torch.randn(Lattice.SourceCount, WidthLattice.MoveCount));
        if (!space.Candidates.IsAll) _alphaMask = OperationNames.All.Select(name => !space.Candidates.Offers(name)).ToArray();
        var mask = Lattice.ImpossibleMoves();
        _betaMask = new bool[Lattice.SourceCount * WidthLattice.MoveCount];
        for (var s = 0; s < Lattice.SourceCount; s++)
            for (var m = 0; m < WidthLattice.MoveCount; m++)
                _betaMask[s * WidthLattice.MoveCount + m] = mask[s, m];
        RegisterComponents();
    }

    public SupernetConfig Config { get; }
    public WidthLattice Lattice { get; }

    public TorchSharp.Modules.Parameter Alpha => alpha;
    public TorchSharp.Modules.Parameter Beta => beta;

    /// <summary>The network weights (everything but α and β).</summary>
    public IEnumerable<TorchSharp.Modules.Parameter> WeightParameters() =>
        named_parameters().Where(p => p.name is not (nameof(alpha) or nameof(beta))).Select(p => p.parameter);

    public IEnumerable<TorchSharp.Modules.Parameter> ArchitectureParameters() => new[] { alpha, beta };

    /// <summary>The convolution of each width's head that writes its prediction (a search starts them at zero: <see cref="IdentityStart"/>).</summary>
    public IEnumerable<TorchSharp.Modules.Conv2d> PredictionLayers =>
        Enumerable.Range(0, Lattice.LiveWidths(Config.Layers)).Select(h => heads[$"w{h}"].PredictionLayer);

    /// <summary>
    /// α with the operations the space does not offer (<see cref="SearchSpace.Candidates"/>) set to the masked logit: out of
    /// every mixture, derivation and draw, and without gradient. α itself when the space offers every operation.
    /// </summary>
    public Tensor MaskedAlpha()
    {
        if (_alphaMask is null) return alpha;
        var mask = torch.tensor(_alphaMask, device: alpha.device);
        return torch.where(mask, torch.tensor(WidthLattice.MaskedLogit, dtype: alpha.dtype, device: alpha.device), alpha);
    }

    /// <summary>Per operation of α's last axis, whether the space leaves it out; null when it offers every one.</summary>
    private readonly bool[]? _alphaMask;

    /// <summary>β with impossible moves set to the masked logit.</summary>
    public Tensor MaskedBeta()
    {
        var mask = torch.tensor(_betaMask, device: beta.device).reshape(beta.shape);
        return torch.where(mask, torch.tensor(WidthLattice.MaskedLogit, dtype: beta.dtype, device: beta.device), beta);
    }

    public override Tensor forward(Tensor x)
    {
        if (_subnetwork is { } subnetwork) return ForwardSubnetwork(x, subnetwork);
        var (stemS0, stemS1) = stem.call(x);
        var alphaWeights = nn.functional.softmax(MaskedAlpha(), -1);
        if (_operationMask is { } kept) alphaWeights = alphaWeights.mul(kept);
        var betaWeights = nn.functional.softmax(MaskedBeta(), -1);
        var states = new Dictionary<(int Layer, int Width), Tensor> { [(0, 0)] = stemS0 };
        for (var l = 1; l <= Config.Layers; l++)
        {
            var weights = alphaWeights[Config.TieCells ? 0 : l - 1];
            for (var h = 0; h < Lattice.LiveWidths(l); h++)
            {
                var twoBack = l == 1 ? stemS1 : states[(l - 2, TwoBackWidth(l, h))];
                var s1 = preprocess[CellKey(l, h)].call(twoBack);
                var cell = cells[CellKey(l, h)];
                Tensor? output = null;
                Tensor? fused = null;
                // β-weighted sums accumulate in place; a handle goes as soon as autograd holds what it needs
                foreach (var from in Lattice.Inputs(l, h))
                {
                    using var p = betaWeights[Lattice.SourceIndex(l - 1, from), WidthLattice.Move(from, h)];
                    using var routed = routers[RouterKey(l, h, from)].call(states[(l - 1, from)]);
                    if (Config.CellSharing)
                    {
                        if (fused is null) fused = routed.mul(p);
                        else TensorMath.AddProductInPlace(fused, routed, p);
                    }
                    else
                    {
                        using var path = cell.call(routed, s1, weights);
                        if (output is null) output = path.mul(p);
                        else TensorMath.AddProductInPlace(output, path, p);
                    }
                }
                if (Config.CellSharing)
                {
                    output = cell.call(fused!, s1, weights);
                    fused!.Dispose();
                }
                s1.Dispose();
                states[(l, h)] = output!;
            }
        }
        Tensor? prediction = null;
        var live = Lattice.LiveWidths(Config.Layers);
        for (var h = 0; h < live; h++)
        {
            var y = heads[$"w{h}"].call(states[(Config.Layers, h)]);
            prediction = prediction is null ? y : TensorMath.Add(prediction, y);
        }
        using var averaged = prediction!.div(_headWeights[live]);
        return TaskResidual.Apply(Config.Task, x, PixelUnshuffling.CropTo(averaged, x, Config.Task.Scale));
    }

    private Genotype? _subnetwork;

    /// <summary>The genotype the supernet runs as (<see cref="SetSubnetwork"/>); null: the whole supernet.</summary>
    public Genotype? Subnetwork => _subnetwork;

    /// <summary>
    /// Runs the supernet as one of its networks (null: the whole supernet again): along <paramref name="genotype"/>'s
    /// width path only, each cell reduced to its genotype's edges, each edge to its operation at weight 1, the router
    /// from the path's previous width as s0, and the head of the path's last width alone — the network the genotype
    /// describes, with the supernet's weights (one-shot evaluation). BatchNorm statistics are the supernet's until
    /// recalibrated (<see cref="SearchSession.RecalibrateBatchNorm"/>).
    /// </summary>
    /// <exception cref="ArgumentException">the genotype is of another space, or its path is not one the supernet ran:
    /// from layer 3 on, the cell at width h reads the state two layers back at width min(h, live widths − 1) there,
    /// which must be the path's</exception>
    public void SetSubnetwork(Genotype? genotype)
    {
        if (genotype is not null) CheckRunsAlone(genotype);
        _subnetwork = genotype;
    }

    private void CheckRunsAlone(Genotype genotype)
    {
        if (!genotype.Space.Equals(Config.Space))
            throw new ArgumentException($"the genotype is of another search space ({genotype.Task.Slug} L{genotype.Layers} B{genotype.Blocks} F{genotype.Filters}, stem {genotype.StemChannels}) than the supernet's ({Config.Task.Slug} L{Config.Layers} B{Config.Blocks} F{Config.Filters}, stem {Config.StemChannels})", nameof(genotype));
        if (WhyNotAlone(genotype.WidthPath) is { } reason) throw new ArgumentException(reason, nameof(genotype));
    }

    /// <summary>Whether a lattice path runs on its own in the supernet (<see cref="SetSubnetwork"/>).</summary>
    public bool RunsAlone(IReadOnlyList<int> widthPath) => WhyNotAlone(widthPath) is null;

    /// <summary>
    /// A width path drawn from those that run on their own (<see cref="RunsAlone"/>): each layer's move uniformly among
    /// the lattice's moves that keep the path runnable (from layer 3 on, the width two layers back is read there) — so
    /// not every runnable path is equally likely.
    /// </summary>
    public int[] DrawRunnablePath(DeterministicRandom random)
    {
        var path = new int[Config.Layers];
        for (var l = 1; l <= Config.Layers; l++)
        {
            var previous = l == 1 ? 0 : path[l - 2];
            var moves = new[] { previous - 1, previous, previous + 1 }
                .Where(w => Lattice.IsLive(l, w) && (l < 3 || TwoBackWidth(l, w) == path[l - 3])).ToArray();
            path[l - 1] = moves[random.NextInt(moves.Length)];
        }
        return path;
    }

    private string? WhyNotAlone(IReadOnlyList<int> path)
    {
        for (var l = 3; l <= Config.Layers; l++)
        {
            var twoBack = TwoBackWidth(l, path[l - 1]);
            if (twoBack != path[l - 3])
                return $"width path [{string.Join(", ", path)}] does not run on its own in the supernet: its layer {l} cell (width {path[l - 1]}) reads layer {l - 2}'s state at width {twoBack}, and the path passes width {path[l - 3]} there";
        }
        return null;
    }

    private Tensor ForwardSubnetwork(Tensor x, Genotype genotype)
    {
        var (stemS0, stemS1) = stem.call(x);
        var path = genotype.WidthPath;
        var live = genotype.Liveness;
        Tensor? beforePrevious = stemS1, previous = stemS0;
        for (var l = 1; l <= Config.Layers; l++)
        {
            var (h, from) = (path[l - 1], l == 1 ? 0 : path[l - 2]);
            Tensor? output = null;
            if (live.IsLive(l - 1))
            {
                // a dead layer is not run, nor the router or preprocessing of an input its cell does not read
                using var s0 = live.ReadsPrevious(l - 1) ? routers[RouterKey(l, h, from)].call(previous!) : null;
                using var s1 = live.ReadsBeforePrevious(l - 1) ? preprocess[CellKey(l, h)].call(beforePrevious!) : null;
                output = cells[CellKey(l, h)].ForwardSubnetwork(s0, s1, genotype.Cells[l - 1]);
            }
            beforePrevious?.Dispose();
            (beforePrevious, previous) = (previous, output);
        }
        beforePrevious?.Dispose();
        using var prediction = heads[$"w{path[^1]}"].call(previous!);
        previous!.Dispose();
        return TaskResidual.Apply(Config.Task, x, PixelUnshuffling.CropTo(prediction, x, Config.Task.Scale));
    }

    /// <summary>α logits as [rows][k][|ops|], operations the space does not offer at the masked value.</summary>
    public double[][][] AlphaSnapshot()
    {
        using var scope = torch.NewDisposeScope();
        var a = MaskedAlpha().detach().cpu().to(ScalarType.Float64);
        var flat = a.data<double>().ToArray();
        var (rows, edges, ops) = ((int)a.shape[0], (int)a.shape[1], (int)a.shape[2]);
        return Enumerable.Range(0, rows).Select(r => Enumerable.Range(0, edges).Select(e => flat.AsSpan((r * edges + e) * ops, ops).ToArray()).ToArray()).ToArray();
    }

    /// <summary>β logits with impossible moves at the masked value, as [sources][3].</summary>
    public double[][] BetaSnapshot()
    {
        using var scope = torch.NewDisposeScope();
        var b = MaskedBeta().detach().cpu().to(ScalarType.Float64);
        var flat = b.data<double>().ToArray();
        return Enumerable.Range(0, Lattice.SourceCount).Select(s => flat.AsSpan(s * WidthLattice.MoveCount, WidthLattice.MoveCount).ToArray()).ToArray();
    }

    /// <summary>Overwrites α and β (e.g. crafted values in tests, or a loaded snapshot).</summary>
    public void SetArchitecture(double[][][] alphaLogits, double[][] betaLogits)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var a = torch.tensor(alphaLogits.SelectMany(r => r.SelectMany(e => e)).ToArray(), alpha.shape, dtype: alpha.dtype);
        var bt = torch.tensor(betaLogits.SelectMany(r => r).ToArray(), beta.shape, dtype: beta.dtype);
        alpha.copy_(a);
        beta.copy_(bt);
    }

    private Tensor? _operationMask;

    /// <summary>
    /// Takes operations out of their edges' mixtures without renormalising the others (what the perturbation selection
    /// measures): <paramref name="kept"/> is [rows][k][|ops|] (<see cref="AlphaSnapshot"/>'s shape), 0 where an operation is
    /// removed and 1 where it stays; its softmax weights are multiplied by it. Null puts every operation back.
    /// </summary>
    public void SetOperationMask(double[][][]? kept)
    {
        _operationMask?.Dispose();
        _operationMask = kept is null ? null
            : torch.tensor(kept.SelectMany(r => r.SelectMany(e => e)).ToArray(), alpha.shape, dtype: alpha.dtype, device: alpha.device);
    }

    /// <summary>
    /// Sets the dropout rates on every skip connection (element-wise) and on every operation's output (per sample) of
    /// every cell (applied in training mode only), their masks drawn from a generator of the supernet's own seeded with
    /// <paramref name="seed"/>.
    /// </summary>
    public void SetDropout(double skipRate, double operationRate, ulong seed)
    {
        var positive = (long)(seed & 0x7FFF_FFFF_FFFF_FFFFUL);
        _dropoutGenerator ??= new Generator((ulong)positive);
        _dropoutGenerator.manual_seed(positive);
        foreach (var op in modules().OfType<MixedOp>())
        {
            op.SkipDropout = skipRate;
            op.OperationDropout = operationRate;
            op.DropoutGenerator = _dropoutGenerator;
        }
    }

    private Generator? _dropoutGenerator;

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _dropoutGenerator?.Dispose();
            _operationMask?.Dispose();
        }
        base.Dispose(disposing);
    }

    /// <summary>The genotype the current α and β derive.</summary>
    public Genotype Derive() => Derivation.Derive(Config.Space, AlphaSnapshot(), BetaSnapshot());

    private int TwoBackChannels(int layer, int width) => layer switch
    {
        1 => Config.NodeChannels(0),
        2 => Config.Blocks * Config.NodeChannels(0),
        _ => Config.Blocks * Config.NodeChannels(TwoBackWidth(layer, width)),
    };

    /// <summary>The width of the state two layers back that the cell at (layer ≥ 2, width) reads as s1: its own width, or the widest live there.</summary>
    private int TwoBackWidth(int layer, int width) => Math.Min(width, Lattice.LiveWidths(layer - 2) - 1);

    private static string RouterKey(int layer, int width, int from) => $"l{layer}_w{width}_from{from}";

    private static string CellKey(int layer, int width) => $"l{layer}_w{width}";
}
