namespace HiNas.Nas.Runs;

/// <summary>
/// The contract of a search run folder, which the searcher writes and the CLI, the Jobs service and the benches
/// read: the resolved options, one event per line, the derived genotype at the end, and the worker's result.
/// </summary>
public static class SearchRun
{
    public const string OptionsFile = "options.json";
    public const string EventsFile = "events.jsonl";
    public const string GenotypeFile = "genotype.json";
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
