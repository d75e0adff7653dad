using System.Globalization;
using HiNas.Nas.Genotypes;
using HiNas.Nas.Space;

namespace HiNas.Nas.Latency;

/// <summary>
/// How much of a space a latency budget admits: the share of networks drawn as a single-path search draws them
/// (<see cref="RandomGenotype"/>, uniformly) that the table predicts within the budget and its band
/// (<see cref="LatencyObjective.Admits"/>). Such a search draws again until a network is admitted, so at a share of
/// 0.1 % each of its steps tries about a thousand networks before it trains one. A budget met by only one shape of
/// network — a hand design's own predicted time, which leaves no room for one addition — made a search 13 times slower
/// without failing it; the search says so before it starts.
/// </summary>
public sealed record BudgetAdmission(int Admitted, int Drawn)
{
    /// <summary>Networks drawn for the estimate.</summary>
    public const int DefaultDraws = 2_000;

    /// <summary>Below this share the estimate warns that the search's steps will be slow.</summary>
    public const double SlowShare = 0.01;

    public double Share => (double)Admitted / Drawn;

    public bool IsSlow => Share < SlowShare;

    /// <summary>Draws <paramref name="draws"/> networks of <paramref name="space"/> (seeded, so the same estimate each time) and counts those admitted.</summary>
    public static BudgetAdmission Estimate(SearchSpace space, LatencyTable table, LatencyObjective objective, int draws = DefaultDraws, ulong seed = 1)
    {
        if (draws < 1) throw new ArgumentOutOfRangeException(nameof(draws), draws, "draw at least one network");
        var admitted = RandomGenotype.Draws(space, draws, seed).Count(genotype => objective.Admits(NetworkLatency.Predict(genotype, table)));
        return new BudgetAdmission(admitted, draws);
    }

    /// <summary>The estimate in words, with what to change when it is slow.</summary>
    public string Describe(LatencyObjective objective)
    {
        var share = string.Create(CultureInfo.InvariantCulture, $"the budget ({objective.AdmittedRange()}) admits {100 * Share:0.##} % of the space's networks ({Admitted:N0} of {Drawn:N0} drawn)");
        return IsSlow
            ? share + string.Create(CultureInfo.InvariantCulture,
                $": a single-path step draws about {(Admitted == 0 ? $"{Drawn:N0} or more" : $"{Drawn / Admitted:N0}")} networks for each one it trains (at most {MaxDraws:N0}); {(objective.Band > 0 ? "a lower band or " : "")}a larger budget makes the search faster")
            : share;
    }

    /// <summary>The draws a single-path search makes for one network before it gives up on the budget.</summary>
    public const int MaxDraws = 100_000;
}
