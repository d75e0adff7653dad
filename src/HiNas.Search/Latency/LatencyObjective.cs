namespace HiNas.Search.Latency;

/// <summary>
/// A frame-time budget for the search: the architecture step minimises task loss + <see cref="Weight"/> ·
/// max(0, E[latency] / <see cref="BudgetMs"/> − 1), E[latency] from the table at <see cref="TablePath"/>.
/// </summary>
public sealed record LatencyObjective
{
    public required string TablePath { get; init; }
    public required double BudgetMs { get; init; }

    /// <summary>λ, the weight of the relative overshoot.</summary>
    public double Weight { get; init; } = 1.0;

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(TablePath)) throw new ArgumentException("the latency table path is empty", nameof(TablePath));
        if (!(BudgetMs > 0) || !double.IsFinite(BudgetMs)) throw new ArgumentOutOfRangeException(nameof(BudgetMs), BudgetMs, "the budget must be a positive number of milliseconds");
        if (!(Weight >= 0) || !double.IsFinite(Weight)) throw new ArgumentOutOfRangeException(nameof(Weight), Weight, "the latency weight must be ≥ 0");
    }

    /// <summary>The penalty for an expected latency (a differentiable tensor expression in the caller).</summary>
    public double Penalty(double expectedMs) => Weight * Math.Max(0, expectedMs / BudgetMs - 1);
}
