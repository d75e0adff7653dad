using HiNas.Nas.Genotypes;
using HiNas.Nas.Runs;
using HiNas.Nas.Settings;
using HiNas.Nas.Space;
using HiNas.Search.Checkpoints;
using TorchSharp;

namespace HiNas.Search.Searching;

/// <summary>
/// Chooses each cell's operations by what they are worth to the trained supernet rather than by α (perturbation-based
/// selection, Wang et al., "Rethinking architecture selection in differentiable NAS", ICLR 2021): an operation's
/// strength on an edge is what the supernet's validation PSNR loses when that operation alone is taken out of the
/// edge's mixture, the others keeping their weights (not renormalised: an operation given the whole edge's weight would
/// be run at several times the scale it was trained at, and skip connections, the least disturbed, took 13 of 18 edges that
/// way). α says how a mixture weighs operations that work together; in the frame-time denoising search conv 3×3 led the
/// dense dilated convolutions by ~0.01 on every edge, and the network of 3×3 convolutions the argmax gave lost to
/// random genotypes (bench/search-recipe). The width path stays β's.
/// Reads a search run's newest checkpoint and writes <see cref="GenotypeFile"/> and <see cref="StrengthsFile"/> beside it.
/// </summary>
public static class PerturbationSelection
{
    public const string GenotypeFile = "genotype-perturbation.json";
    public const string StrengthsFile = "operation-strengths.json";

    /// <summary>What <see cref="StrengthsFile"/> holds.</summary>
    public sealed record Strengths
    {
        public required IReadOnlyList<string> Operations { get; init; }
        /// <summary>The supernet's validation PSNR on the selection windows, every operation in.</summary>
        public required double MixedPsnr { get; init; }
        /// <summary>[rows][k][|ops|]: <see cref="MixedPsnr"/> less the PSNR with the operation out of the edge (`none`: 0).</summary>
        public required double[][][] Strength { get; init; }
    }

    /// <summary>Measures the run's supernet (its newest checkpoint), writes both files and returns the genotype.</summary>
    /// <param name="progress">reports (edges measured, edges in all)</param>
    public static Genotype Run(string runDir, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellation = default)
    {
        var full = Path.GetFullPath(runDir);
        using var session = SearchSession.OpenTrained(full);
        if (session.Options.IsSinglePath)
            throw new InvalidOperationException($"'{runDir}' is a single-path search: it trained no mixture whose edges could be measured; rank its networks instead (--by ranking)");
        var strengths = Measure(session, progress, cancellation);
        var genotype = Derivation.Derive(session.Options.Supernet.Space, session.Network.AlphaSnapshot(), session.Network.BetaSnapshot(), strengths.Strength);
        RunFiles.WriteJsonAtomic(Path.Combine(full, StrengthsFile), strengths);
        GenotypeJson.Save(genotype, Path.Combine(full, GenotypeFile));
        return genotype;
    }

    /// <summary>Every edge's operations measured on <see cref="SearchSession.SelectionValidation"/>; the supernet is left as it was.</summary>
    public static Strengths Measure(SearchSession session, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellation = default)
    {
        var network = session.Network;
        var kept = network.AlphaSnapshot().Select(row => row.Select(edge => edge.Select(_ => 1.0).ToArray()).ToArray()).ToArray();
        double Validate() => session.SelectionValidation.MeanPsnr(network, session.Device);
        var total = kept.Sum(row => row.Length);
        var done = 0;
        try
        {
            var mixed = Validate();
            var strength = kept.Select(row => row.Select(edge => new double[edge.Length]).ToArray()).ToArray();
            for (var r = 0; r < kept.Length; r++)
                for (var e = 0; e < kept[r].Length; e++)
                {
                    for (var o = 0; o < OperationNames.Count; o++)
                    {
                        if (o == OperationNames.NoneIndex || !session.Options.Supernet.Candidates.Offers(OperationNames.All[o])) continue;
                        cancellation.ThrowIfCancellationRequested();
                        kept[r][e][o] = 0;
                        network.SetOperationMask(kept);
                        strength[r][e][o] = mixed - Validate();
                        kept[r][e][o] = 1;
                    }
                    progress?.Report((++done, total));
                }
            return new Strengths { Operations = OperationNames.All, MixedPsnr = mixed, Strength = strength };
        }
        finally
        {
            network.SetOperationMask(null);
        }
    }
}
