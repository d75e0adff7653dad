using HiNas.Nas.Space;

namespace HiNas.Nas.Genotypes;

/// <summary>
/// Which operations α leans on as a whole: each operation's softmax(α) weight averaged over every layer's edges (the
/// shares sum to 1; uniform is 1/|ops|). The derivation takes one operation per chosen edge and hides by how much it
/// won; the shares show it, epoch by epoch (bench/search-recipe: in the frame-time denoising searches the dense
/// convolutions lead and the separable ones fall below uniform).
/// </summary>
public static class OperationShares
{
    /// <param name="alpha">[layers][edges][|ops|], the last axis in <see cref="OperationNames.All"/>'s order</param>
    /// <returns>operation name → mean share, in <see cref="OperationNames.All"/>'s order; operations the space leaves out
    /// (masked logits: <see cref="SearchSpace.Candidates"/>) are not listed</returns>
    public static IReadOnlyDictionary<string, double> Of(double[][][] alpha)
    {
        var rows = alpha.SelectMany(layer => layer).ToArray();
        if (rows.Length == 0) throw new ArgumentException("α has no edges", nameof(alpha));
        if (rows.Any(row => row.Length != OperationNames.Count))
            throw new ArgumentException($"α's rows must have one weight per operation ({OperationNames.Count})", nameof(alpha));
        var sums = new double[OperationNames.Count];
        foreach (var row in rows)
        {
            var weights = Derivation.Softmax(row);
            for (var o = 0; o < sums.Length; o++) sums[o] += weights[o];
        }
        var shares = new Dictionary<string, double>();
        for (var o = 0; o < sums.Length; o++)
            if (rows.Any(row => row[o] > WidthLattice.MaskedLogit)) shares[OperationNames.All[o]] = sums[o] / rows.Length;
        return shares;
    }
}
