using HiNas.Imaging.Tasks;
using HiNas.Nas.Space;

namespace HiNas.Nas.Genotypes;

/// <summary>
/// What a search found, as plain data: the task, the search-space sizes, one derived cell per layer and the
/// width path (a width level per layer), plus the α/β it was derived from. Saved as versioned JSON.
/// </summary>
public sealed class Genotype : IEquatable<Genotype>
{
    public const string Schema = "hinas.genotype/v1";

    public Genotype(SearchSpace space, IReadOnlyList<CellGenotype> cells, IReadOnlyList<int> widthPath, double[][][]? alpha = null, double[][]? beta = null)
    {
        ArgumentNullException.ThrowIfNull(space);
        var (layers, blocks) = (space.Layers, space.Blocks);
        if (cells is null || cells.Count != layers) throw new ArgumentException($"expected {layers} cells (one per layer), got {cells?.Count ?? 0}", nameof(cells));
        if (widthPath is null || widthPath.Count != layers) throw new ArgumentException($"expected a width path of {layers} levels, got {widthPath?.Count ?? 0}", nameof(widthPath));
        for (var l = 0; l < layers; l++)
        {
            var cell = cells[l];
            if (cell.Blocks != blocks) throw new ArgumentException($"layer {l + 1}: cell has {cell.Blocks} nodes, expected {blocks}", nameof(cells));
            for (var n = 0; n < blocks; n++)
            {
                if (cell.Node(n) is ({ Op: OperationNames.None }, { Op: OperationNames.None }))
                    throw new ArgumentException($"layer {l + 1} node {n}: both edges are none (a node needs an operation)", nameof(cells));
                foreach (var edge in new[] { cell.Node(n).First, cell.Node(n).Second })
                {
                    if (edge.Op == OperationNames.None ? !space.Candidates.OffersNone : !Operations.All.Any(o => o.Name == edge.Op && o.IsUsable))
                        throw new ArgumentException(edge.Op == OperationNames.None
                            ? $"layer {l + 1} node {n}: 'none' is not derived in this space (its operations: {space.Candidates}; add none to them for nodes of one operation)"
                            : $"layer {l + 1} node {n}: '{edge.Op}' is not a usable operation", nameof(cells));
                    if (!space.Candidates.Offers(edge.Op))
                        throw new ArgumentException($"layer {l + 1} node {n}: '{edge.Op}' is not one of the space's operations ({space.Candidates})", nameof(cells));
                    if (edge.Input < 0 || edge.Input >= 2 + n)
                        throw new ArgumentException($"layer {l + 1} node {n}: input {edge.Input} must be in [0, {n + 1}]", nameof(cells));
                }
            }
            var previous = l == 0 ? 0 : widthPath[l - 1];
            if (widthPath[l] < 0 || widthPath[l] >= space.WidthFactors.Count || Math.Abs(widthPath[l] - previous) > 1)
                throw new ArgumentException($"width path {string.Join(",", widthPath)} is not a lattice path from width 0 over {space.WidthFactors.Count} levels", nameof(widthPath));
        }
        CheckArchitecture(space, alpha, beta);
        Space = space;
        Cells = cells.ToArray();
        WidthPath = widthPath.ToArray();
        Alpha = alpha;
        Beta = beta;
    }

    /// <summary>The search space the genotype belongs to.</summary>
    public SearchSpace Space { get; }

    public RestorationTask Task => Space.Task;
    public int Layers => Space.Layers;
    public int Blocks => Space.Blocks;
    public int Filters => Space.Filters;
    public IReadOnlyList<double> WidthFactors => Space.WidthFactors;
    public int StemChannels => Space.StemChannels;
    public IReadOnlyList<CellGenotype> Cells { get; }
    public IReadOnlyList<int> WidthPath { get; }

    /// <summary>Which layers the output depends on (<see cref="LayerLiveness"/>).</summary>
    public LayerLiveness Liveness => _liveness ??= LayerLiveness.Of(Cells);

    private LayerLiveness? _liveness;

    /// <summary>
    /// What the network computes, as text: per layer its width level and each node's running edges, or "dead"
    /// (<see cref="Liveness"/>). Genotypes that differ only in dead layers or in the inputs of none edges build the same
    /// network and have the same key.
    /// </summary>
    public string NetworkKey => string.Join(" ; ", Enumerable.Range(0, Layers).Select(l => !Liveness.IsLive(l) ? "dead"
        : $"w{WidthPath[l]}: " + string.Join(" | ", Enumerable.Range(0, Blocks).Select(n => string.Join(" + ", Cells[l].Running(n).Select(e => $"{e.Op}({e.Input})"))))));

    /// <summary>α as [L or 1, k, |ops|] logits, when the genotype came from a search.</summary>
    public double[][][]? Alpha { get; }

    /// <summary>β as [sources, 3] logits (masked moves at −50), when the genotype came from a search.</summary>
    public double[][]? Beta { get; }

    /// <summary>α's normalised entropy (1 = uniform; <see cref="ArchitectureEntropy"/>), when the genotype came from a search.</summary>
    public double? AlphaEntropy => Alpha is null ? null : ArchitectureEntropy.OfAlpha(Alpha);

    /// <summary>Each operation's mean softmax(α) weight over every edge (<see cref="Genotypes.OperationShares"/>), when the genotype came from a search.</summary>
    public IReadOnlyDictionary<string, double>? OperationShares => Alpha is null ? null : Genotypes.OperationShares.Of(Alpha);

    /// <summary>β's normalised entropy over the possible moves, when the genotype came from a search.</summary>
    public double? BetaEntropy => Beta is null ? null : ArchitectureEntropy.OfBeta(Beta, Space.Lattice);

    /// <summary>Channels per node at width level <paramref name="level"/>: round(factor · F).</summary>
    public int NodeChannels(int level) => Space.NodeChannels(level);

    /// <summary>
    /// The network retrained <paramref name="multiplier"/> times as wide (<see cref="SearchSpace.Widened"/>): the same
    /// cells and width path, without α and β.
    /// </summary>
    public Genotype Widened(double multiplier) => multiplier == 1 ? this : new(Space.Widened(multiplier), Cells, WidthPath);

    /// <summary>The same network with other cells (without α and β: it is no longer what they derive).</summary>
    public Genotype WithCells(IReadOnlyList<CellGenotype> cells) => new(Space, cells, WidthPath);

    /// <summary>The same cells on another width path (without α and β).</summary>
    public Genotype OnWidthPath(IReadOnlyList<int> widthPath) => new(Space, Cells, widthPath);

    /// <summary>True when every chosen edge of every cell is a skip connection or none (a degenerate result: no operation learns).</summary>
    public bool IsAllSkip => Cells.All(c => c.Edges.All(e => e.Op is OperationNames.Skip or OperationNames.None));

    public bool Equals(Genotype? other) =>
        other is not null && Space.Equals(other.Space)
        && Cells.SequenceEqual(other.Cells) && WidthPath.SequenceEqual(other.WidthPath)
        && SameArrays(Alpha, other.Alpha) && SameArrays(Beta, other.Beta);

    public override bool Equals(object? obj) => Equals(obj as Genotype);

    public override int GetHashCode() => HashCode.Combine(Task, Layers, Blocks, Filters, Cells.Count, string.Join(",", WidthPath));

    public override string ToString() =>
        $"{Task.Slug} L={Layers} B={Blocks} F={Filters} path=[{string.Join(",", WidthPath)}]; " +
        string.Join(" ; ", Cells.Select((c, i) => $"layer {i + 1}: {c}"));

    /// <summary>α as [L or 1, k, |ops|] and β as [sources, 3] of this space, when given.</summary>
    private static void CheckArchitecture(SearchSpace space, double[][][]? alpha, double[][]? beta)
    {
        var edges = CellTopology.EdgeCount(space.Blocks);
        if (alpha is not null && (alpha.Length != space.Layers && alpha.Length != 1 || alpha.Any(layer => layer is null || layer.Length != edges
                || layer.Any(row => row is null || row.Length != OperationNames.Count))))
            throw new ArgumentException($"α must be [{space.Layers} or 1 layers, {edges} edges, {OperationNames.Count} operations]", nameof(alpha));
        var sources = space.Lattice.SourceCount;
        if (beta is not null && (beta.Length != sources || beta.Any(row => row is null || row.Length != WidthLattice.MoveCount)))
            throw new ArgumentException($"β must be [{sources} sources, {WidthLattice.MoveCount} moves]", nameof(beta));
    }

    private static bool SameArrays(double[][][]? a, double[][][]? b) =>
        a is null ? b is null : b is not null && a.Length == b.Length && a.Zip(b).All(p => SameArrays(p.First, p.Second));

    private static bool SameArrays(double[][]? a, double[][]? b) =>
        a is null ? b is null : b is not null && a.Length == b.Length && a.Zip(b).All(p => p.First.SequenceEqual(p.Second));
}
