namespace HiNas.Nas.Space;

/// <summary>
/// Edges of a cell with B nodes over the inputs s0 (previous layer) and s1 (two layers back): node i reads
/// every earlier state j ∈ [0, 2+i) — 0 is s0, 1 is s1, 2+m is node m — so there are k = Σ_{i&lt;B} (2+i) edges.
/// </summary>
public static class CellTopology
{
    public static int EdgeCount(int blocks)
    {
        if (blocks < 1) throw new ArgumentOutOfRangeException(nameof(blocks), blocks, "a cell needs at least one node");
        return blocks * (blocks + 3) / 2;
    }

    /// <summary>Index of the first edge into node <paramref name="node"/>.</summary>
    public static int FirstEdge(int node) => node * (node + 3) / 2;

    /// <summary>The edge from state <paramref name="input"/> into node <paramref name="node"/>.</summary>
    public static int Edge(int node, int input)
    {
        if (input < 0 || input >= 2 + node) throw new ArgumentOutOfRangeException(nameof(input), input, $"node {node} reads states 0..{node + 1}");
        return FirstEdge(node) + input;
    }
}
