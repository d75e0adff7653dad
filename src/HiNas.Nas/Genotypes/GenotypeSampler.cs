using HiNas.Imaging.Randomness;
using HiNas.Nas.Space;

namespace HiNas.Nas.Genotypes;

/// <summary>
/// Whole networks drawn on one width path, for a derivation that ranks networks rather than edges (HiNas.Search's
/// NetworkRanking): cells drawn from α — per node two distinct inputs, each in proportion to its edge's strongest
/// non-none softmax weight (the weight <see cref="Derivation"/> ranks inputs by), then each edge's operation in
/// proportion to its softmax weight among the ones the space offers (none too where it derives none, on one edge of a
/// node at most) — or drawn uniformly (<see cref="RandomGenotype"/>'s cells).
/// </summary>
public static class GenotypeSampler
{
    /// <summary>Cells drawn from α's softmax ([L or 1, k, |ops|] logits; one row: every layer draws from it).</summary>
    public static Genotype FromAlpha(SearchSpace space, double[][][] alpha, IReadOnlyList<int> widthPath, ulong seed)
    {
        var random = new DeterministicRandom(DeterministicRandom.Derive(seed, 0xA1FA5));
        var usable = OperationNames.All.Select(space.Candidates.Names.Contains).ToArray();
        var cells = new CellGenotype[space.Layers];
        for (var l = 0; l < space.Layers; l++)
        {
            var weights = alpha[alpha.Length == 1 ? 0 : l].Select(Derivation.Softmax).ToArray();
            var edges = new List<CellEdge>(2 * space.Blocks);
            for (var node = 0; node < space.Blocks; node++)
            {
                var states = 2 + node;
                var operationWeights = Enumerable.Range(0, states)
                    .Select(input => weights[CellTopology.Edge(node, input)].Select((w, o) => usable[o] ? w : 0).ToArray()).ToArray();
                var strength = operationWeights.Select(w => w.Where((_, o) => o != OperationNames.NoneIndex).Max()).ToArray();
                var first = Draw(strength, random);
                strength[first] = 0;
                var second = Draw(strength, random);
                var inputs = new[] { Math.Min(first, second), Math.Max(first, second) };
                var ops = inputs.Select(input => Draw(operationWeights[input], random)).ToArray();
                if (ops is [var a, var b] && a == OperationNames.NoneIndex && b == a)
                    ops[1] = Draw(operationWeights[inputs[1]].Select((w, o) => o == OperationNames.NoneIndex ? 0 : w).ToArray(), random);
                for (var e = 0; e < 2; e++) edges.Add(new CellEdge(OperationNames.All[ops[e]], inputs[e]));
            }
            cells[l] = new CellGenotype(edges);
        }
        return new Genotype(space, cells, widthPath);
    }

    /// <summary><see cref="RandomGenotype"/>'s cells of <paramref name="seed"/> on <paramref name="widthPath"/>.</summary>
    public static Genotype Uniform(SearchSpace space, IReadOnlyList<int> widthPath, ulong seed) =>
        RandomGenotype.Sample(space, seed).OnWidthPath(widthPath);

    /// <summary>An index drawn in proportion to non-negative <paramref name="weights"/> (not all zero).</summary>
    private static int Draw(IReadOnlyList<double> weights, DeterministicRandom random)
    {
        var total = weights.Sum();
        var x = random.NextDouble() * total;
        var last = -1;
        for (var i = 0; i < weights.Count; i++)
        {
            if (weights[i] <= 0) continue;
            last = i;
            if ((x -= weights[i]) < 0) return i;
        }
        return last;
    }
}
