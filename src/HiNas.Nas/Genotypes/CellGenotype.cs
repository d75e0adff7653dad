using HiNas.Nas.Space;

namespace HiNas.Nas.Genotypes;

/// <summary>A derived cell: for each node, its two incoming edges (so 2·B edges in node order).</summary>
public sealed class CellGenotype : IEquatable<CellGenotype>
{
    public CellGenotype(IReadOnlyList<CellEdge> edges)
    {
        ArgumentNullException.ThrowIfNull(edges);
        if (edges.Count == 0 || edges.Count % 2 != 0) throw new ArgumentException($"a cell has 2 edges per node, got {edges.Count} edges", nameof(edges));
        Edges = edges.ToArray();
    }

    public IReadOnlyList<CellEdge> Edges { get; }

    public int Blocks => Edges.Count / 2;

    /// <summary>The two edges into node <paramref name="node"/>.</summary>
    public (CellEdge First, CellEdge Second) Node(int node) => (Edges[2 * node], Edges[2 * node + 1]);

    /// <summary>The edges into node <paramref name="node"/> that run an operation (a none edge adds nothing: one or two).</summary>
    public IReadOnlyList<CellEdge> Running(int node) => Running(Node(node));

    /// <summary>The edges of a node that run an operation, none left out.</summary>
    public static IReadOnlyList<CellEdge> Running((CellEdge First, CellEdge Second) node) =>
        new[] { node.First, node.Second }.Where(e => e.Op != OperationNames.None).ToArray();

    /// <summary>Whether a running edge of the cell reads input <paramref name="input"/> (0 = s0, 1 = s1; <see cref="LayerLiveness"/>).</summary>
    public bool Reads(int input) => Enumerable.Range(0, Blocks).Any(n => Running(n).Any(e => e.Input == input));

    /// <summary>
    /// Whether a node's <paramref name="running"/> edges include a convolution in <paramref name="space"/>: a fused
    /// skip in a node without one starts passing its state (factors at 1), in the derived cell and the supernet alike.
    /// </summary>
    public static bool Convolves(IEnumerable<CellEdge> running, SearchSpace space) => running.Any(e => space.Operation(e.Op).Convolves);

    public bool Equals(CellGenotype? other) => other is not null && Edges.SequenceEqual(other.Edges);

    public override bool Equals(object? obj) => Equals(obj as CellGenotype);

    public override int GetHashCode() => Edges.Aggregate(0, (h, e) => HashCode.Combine(h, e));

    public override string ToString() => string.Join(" | ", Enumerable.Range(0, Blocks).Select(n => $"n{n}: {Node(n).First.Op}({Node(n).First.Input}) + {Node(n).Second.Op}({Node(n).Second.Input})"));
}
