using HiNas.Nas.Genotypes;
using HiNas.Nas.Latency;
using HiNas.Nas.Runs;

namespace HiNas.Pipelines;

/// <summary>What a search produced: the derived genotype in its run folder and, for a budgeted search, the measured verdict.</summary>
public sealed record SearchOutcome(string RunDir, Genotype Genotype, BudgetReport? Latency)
{
    public string GenotypeFile => Path.Combine(RunDir, SearchRun.GenotypeFile);

    /// <summary>The network to train: the closest one within the budget when the derived one misses it, else the derived one.</summary>
    public string NetworkToTrain => SearchRun.NetworkToTrain(RunDir);
}
