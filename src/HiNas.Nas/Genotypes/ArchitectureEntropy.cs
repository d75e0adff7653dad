using System.Globalization;
using HiNas.Nas.Space;

namespace HiNas.Nas.Genotypes;

/// <summary>
/// How far a search moved α and β from uniform, as normalised entropies: the mean over α's rows (one per layer and
/// edge) and over β's rows (one per source, over its possible moves) of H(softmax) / log(choices). 1 is uniform, 0 a
/// one-hot choice. A derivation from near-uniform weights is decided by the ties, not by learning: for β the lattice's
/// shape then picks the edge path (width 0 has two moves of ½, width 1 three of ⅓), which <see cref="UndecidedWidthPath"/> says.
/// </summary>
public static class ArchitectureEntropy
{
    /// <summary>β at or above this normalised entropy has not decided the width path (about ±0.07 around uniform for 3 moves).</summary>
    public const double UndecidedBeta = 0.99;

    /// <summary>α's mean normalised entropy over every layer's edges, over the operations the space offers (masked ones left out).</summary>
    public static double OfAlpha(double[][][] alpha) =>
        alpha.SelectMany(layer => layer).Select(row => Normalised(Derivation.Softmax(row.Where(logit => logit > WidthLattice.MaskedLogit).ToArray()))).Average();

    /// <summary>β's mean normalised entropy over the sources with a choice (masked moves left out).</summary>
    public static double OfBeta(double[][] beta, WidthLattice lattice)
    {
        var mask = lattice.ImpossibleMoves();
        var entropies = new List<double>();
        for (var s = 0; s < beta.Length; s++)
        {
            var possible = Enumerable.Range(0, WidthLattice.MoveCount).Where(m => !mask[s, m]).Select(m => beta[s][m]).ToArray();
            if (possible.Length > 1) entropies.Add(Normalised(Derivation.Softmax(possible)));
        }
        return entropies.Count == 0 ? 0 : entropies.Average();
    }

    /// <summary>
    /// A warning when β is too uniform to have decided the genotype's width path (null when it has, or when the
    /// genotype carries no β): its entropy, and whether uniform β would derive the same path.
    /// </summary>
    public static string? UndecidedWidthPath(Genotype genotype)
    {
        if (genotype.Beta is not { } beta || genotype.BetaEntropy is not { } entropy || entropy < UndecidedBeta) return null;
        var lattice = genotype.Space.Lattice;
        var uniform = Derivation.DeriveWidthPath(Enumerable.Range(0, lattice.SourceCount).Select(_ => new double[WidthLattice.MoveCount]).ToArray(), lattice);
        var same = uniform.SequenceEqual(genotype.WidthPath);
        var how = same ? "is the one uniform β gives, decided by the lattice's shape and not learnt" : "was decided by differences too small to trust";
        return string.Create(CultureInfo.InvariantCulture,
            $"β is near uniform (normalised entropy {entropy:0.0000} ≥ {UndecidedBeta}): the width path [{string.Join(",", genotype.WidthPath)}] {how}; search longer or with a larger architecture learning rate");
    }

    private static double Normalised(double[] p) =>
        p.Length < 2 ? 0 : -p.Where(v => v > 0).Sum(v => v * Math.Log(v)) / Math.Log(p.Length);
}
