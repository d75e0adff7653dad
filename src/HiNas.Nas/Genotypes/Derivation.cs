using HiNas.Imaging.Tasks;
using HiNas.Nas.Space;

namespace HiNas.Nas.Genotypes;

/// <summary>
/// Derives a discrete architecture from the continuous one: per layer and node the 2 incoming edges whose
/// strongest non-none operation weighs most, each with that operation (the weaker one none where the space derives
/// none and none outweighs it); and the width path that maximises
/// the product of β transition probabilities from width 0 (Viterbi).
/// </summary>
public static class Derivation
{
    /// <summary>The derived cell of one layer from its α logits [k, |ops|]: each operation's strength is its softmax weight.</summary>
    public static CellGenotype DeriveCell(double[][] alphaLogits, int blocks) =>
        DeriveCellByStrength(alphaLogits.Select(Softmax).ToArray(), blocks);

    /// <summary>
    /// The derived cell of one layer from a strength per edge and operation [k, |ops|] (softmax α, or what removing the
    /// operation is worth to the trained supernet: HiNas.Search's PerturbationSelection); `none`'s strength does not
    /// rank the inputs, and that of an operation the space does not offer (<paramref name="offered"/>, default every one)
    /// is ignored. Where the space derives none (<see cref="OperationSet.OffersNone"/>), the weaker of a node's two edges
    /// is none when none's strength exceeds its operation's: softmax α's none weight, or 0 for a measured strength (an
    /// operation the supernet validates better without).
    /// </summary>
    public static CellGenotype DeriveCellByStrength(double[][] strengths, int blocks, OperationSet? offered = null)
    {
        offered ??= OperationSet.All;
        var edges = CellTopology.EdgeCount(blocks);
        if (strengths.Length != edges) throw new ArgumentException($"α has {strengths.Length} edges, a {blocks}-node cell has {edges}");
        var chosen = new List<CellEdge>(2 * blocks);
        for (var node = 0; node < blocks; node++)
        {
            var candidates = new List<(int Input, int Op, double Strength)>();
            for (var input = 0; input < 2 + node; input++)
            {
                var weights = strengths[CellTopology.Edge(node, input)];
                var best = -1;
                for (var o = 0; o < weights.Length; o++)
                    if (o != OperationNames.NoneIndex && offered.Offers(OperationNames.All[o]) && (best < 0 || weights[o] > weights[best])) best = o;
                candidates.Add((input, best, weights[best]));
            }
            // Strongest first; ties go to the earlier input. Then keep the pair in input order.
            var ranked = candidates.OrderByDescending(c => c.Strength).ThenBy(c => c.Input).Take(2).ToArray();
            // A space that derives none makes the weaker edge none where none outweighs its operation.
            if (offered.OffersNone && strengths[CellTopology.Edge(node, ranked[1].Input)][OperationNames.NoneIndex] > ranked[1].Strength)
                ranked[1] = ranked[1] with { Op = OperationNames.NoneIndex };
            foreach (var (input, op, _) in ranked.OrderBy(c => c.Input)) chosen.Add(new CellEdge(OperationNames.All[op], input));
        }
        return new CellGenotype(chosen);
    }

    /// <summary>
    /// The most probable width path (one level per layer 1..L) from width 0 at the stem, where the probability
    /// of a move is softmax over the source's masked β row.
    /// </summary>
    public static int[] DeriveWidthPath(double[][] betaLogits, WidthLattice lattice)
    {
        if (betaLogits.Length != lattice.SourceCount) throw new ArgumentException($"β has {betaLogits.Length} rows, the lattice has {lattice.SourceCount} sources");
        var mask = lattice.ImpossibleMoves();
        var probabilities = new double[lattice.SourceCount][];
        for (var s = 0; s < lattice.SourceCount; s++)
        {
            var row = new double[WidthLattice.MoveCount];
            for (var m = 0; m < row.Length; m++) row[m] = mask[s, m] ? WidthLattice.MaskedLogit : betaLogits[s][m];
            probabilities[s] = Softmax(row);
        }

        // score[l][h] = best log-probability of reaching (l, h); back[l][h] = previous width.
        var score = new double[lattice.Layers + 1][];
        var back = new int[lattice.Layers + 1][];
        score[0] = new[] { 0.0 };
        back[0] = new[] { -1 };
        for (var l = 1; l <= lattice.Layers; l++)
        {
            var live = lattice.LiveWidths(l);
            score[l] = Enumerable.Repeat(double.NegativeInfinity, live).ToArray();
            back[l] = new int[live];
            for (var h = 0; h < live; h++)
                foreach (var from in lattice.Inputs(l, h))
                {
                    var p = probabilities[lattice.SourceIndex(l - 1, from)][WidthLattice.Move(from, h)];
                    var candidate = score[l - 1][from] + Math.Log(Math.Max(p, 1e-300));
                    if (candidate > score[l][h]) (score[l][h], back[l][h]) = (candidate, from);
                }
        }
        var end = 0;
        for (var h = 1; h < score[lattice.Layers].Length; h++)
            if (score[lattice.Layers][h] > score[lattice.Layers][end]) end = h;
        var path = new int[lattice.Layers];
        for (var l = lattice.Layers; l >= 1; l--)
        {
            path[l - 1] = end;
            end = back[l][end];
        }
        return path;
    }

    /// <summary>The whole genotype: per-layer cells from α (shared α → identical cells) and the width path from β.</summary>
    public static Genotype Derive(SearchSpace space, double[][][] alpha, double[][] beta) =>
        Derive(space, alpha, beta, alpha.Select(row => row.Select(Softmax).ToArray()).ToArray());

    /// <summary>
    /// The whole genotype with the cells chosen by <paramref name="strengths"/> [rows][k][|ops|] (softmax α, or measured:
    /// <see cref="DeriveCellByStrength"/>) and the width path from β; the genotype records α and β as they are.
    /// </summary>
    public static Genotype Derive(SearchSpace space, double[][][] alpha, double[][] beta, double[][][] strengths)
    {
        if (alpha.Length != space.Layers && alpha.Length != 1) throw new ArgumentException($"α has {alpha.Length} layer rows, expected {space.Layers} (LWAS) or 1 (tied)");
        if (strengths.Length != alpha.Length) throw new ArgumentException($"the strengths have {strengths.Length} layer rows, α {alpha.Length}");
        var cells = Enumerable.Range(0, space.Layers).Select(l => DeriveCellByStrength(strengths[strengths.Length == 1 ? 0 : l], space.Blocks, space.Candidates)).ToArray();
        return new Genotype(space, cells, DeriveWidthPath(beta, space.Lattice), alpha, beta);
    }

    public static double[] Softmax(IReadOnlyList<double> logits)
    {
        var max = logits.Max();
        var exp = logits.Select(v => Math.Exp(v - max)).ToArray();
        var sum = exp.Sum();
        return exp.Select(v => v / sum).ToArray();
    }
}
