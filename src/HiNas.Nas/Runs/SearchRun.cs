namespace HiNas.Nas.Runs;

/// <summary>
/// The contract of a search run folder, which the searcher writes and the CLI, the Jobs service and the benches
/// read: the resolved options, one event per line, the genotypes at the end, and the worker's result.
/// </summary>
public static class SearchRun
{
    public const string OptionsFile = "options.json";
    public const string EventsFile = "events.jsonl";
    /// <summary>The genotype the search chose: the best-validation one when the selection window had a validation, else the last.</summary>
    public const string GenotypeFile = "genotype.json";

    /// <summary>The genotype derived after the last epoch.</summary>
    public const string LastGenotypeFile = "genotype-last.json";

    /// <summary>
    /// The genotype derived at the epoch of the best validation PSNR among the epochs after <see cref="SelectionStart"/> of
    /// the search (the official search keeps its best-validation model after 60 of 100 epochs); written whenever it improves.
    /// </summary>
    public const string BestGenotypeFile = "genotype-best.json";

    /// <summary>The fraction of the epochs after which the best-validation genotype is kept.</summary>
    public const double SelectionStart = 0.6;

    /// <summary>
    /// Whether epoch <paramref name="epoch"/> (from 1) of <paramref name="epochs"/> is in the best-validation window: after
    /// <see cref="SelectionStart"/> of the epochs and after the <paramref name="warmup"/> (whose α and β never moved).
    /// </summary>
    public static bool InSelectionWindow(int epoch, int epochs, int warmup) => epoch > SelectionStart * epochs && epoch > warmup;
    public const string CheckpointsFolder = "checkpoints";

    /// <summary>
    /// The network a finished search says to train: the closest one within the budget (genotype-within-budget.json) when
    /// a budgeted search's derived network misses it, else the derived genotype.
    /// </summary>
    public static string NetworkToTrain(string runDir)
    {
        var withinBudget = Path.Combine(runDir, Latency.BudgetReport.WithinBudgetFile);
        return File.Exists(withinBudget) ? withinBudget : Path.Combine(runDir, GenotypeFile);
    }
}
