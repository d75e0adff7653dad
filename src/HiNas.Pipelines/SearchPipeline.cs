using System.Globalization;
using HiNas.Nas.Genotypes;
using HiNas.Nas.Latency;
using HiNas.Nas.Runs;
using HiNas.Nas.Settings;
using HiNas.Onnx.Latency;
using HiNas.Search.Searching;

namespace HiNas.Pipelines;

/// <summary>
/// A HiNAS search as a whole, the same for `hinas search` (and the benchmark scripts that call it), the job worker and the tests:
/// <list type="number">
/// <item>with a budget, the space's floor (its cheapest network): a budget under the table's prediction of it is
/// refused, and on the table's machine the floor is run by ONNX Runtime and a budget under that measurement refused
/// too, before anything is written (the sum of warm parts predicts the floor low, and no search meets a budget in between);
/// a single-path search then, on the table's machine, measures networks at its budget's band and admits by the
/// prediction times what the table misses (<see cref="BudgetCalibration"/>, kept in the run's options so a resumed
/// search draws as it did), and logs the share of the space its budget admits (<see cref="BudgetAdmission"/>: a small
/// one makes each step slow);</item>
/// <item>the search, which on the table's machine measures each searching epoch's derived network and calibrates the
/// penalty by it;</item>
/// <item>with a budget, the measured verdict: the derived network (and, when it misses, its cheaper variants) run by
/// ONNX Runtime decides meets_budget and genotype-within-budget.json.</item>
/// </list>
/// </summary>
public static class SearchPipeline
{
    /// <summary>Starts a search in <paramref name="runDir"/>; <paramref name="log"/> receives the budget checks' lines.</summary>
    public static SearchOutcome Run(SearchOptions options, string runDir, IProgress<SearchEvent>? progress = null, CancellationToken cancellation = default,
        Action<string>? log = null)
    {
        options.Validate();
        if (options.Latency is { } objective)
        {
            var table = LatencyTable.Load(objective.TablePath);
            CheckBudget(options.Supernet, objective, table, log);
            if (options.IsSinglePath)
            {
                if (objective.Calibration is null && MeasuredBudget.MeasurerFor(table) is { } measure)
                {
                    var calibration = BudgetCalibration.Measure(options.Supernet.Space, table, objective, measure, options.Seed);
                    log?.Invoke(calibration.Describe());
                    objective = objective with { Calibration = calibration.Calibration };
                    options = options with { Latency = objective };
                }
                log?.Invoke(BudgetAdmission.Estimate(options.Supernet.Space, table, objective).Describe(objective));
            }
        }
        var genotype = Searcher.Run(options, runDir, progress, cancellation, MeasurerFor(options));
        return Finish(runDir, genotype, log);
    }

    /// <summary>Continues the search in <paramref name="runDir"/> from its newest checkpoint, with its saved options.</summary>
    public static SearchOutcome Resume(string runDir, IProgress<SearchEvent>? progress = null, CancellationToken cancellation = default, Action<string>? log = null)
    {
        var saved = Path.Combine(runDir, SearchRun.OptionsFile);
        var measurer = File.Exists(saved) ? MeasurerFor(SearchOptionsJson.Load(saved)) : null;
        var genotype = Searcher.Resume(runDir, progress, cancellation, measurer);
        return Finish(runDir, genotype, log);
    }

    /// <summary>Whether a run folder holds a search to resume.</summary>
    public static bool CanResume(string runDir) => File.Exists(Path.Combine(runDir, SearchRun.OptionsFile));

    /// <summary>
    /// Refuses a budget under the space's floor (<see cref="LatencyFloor"/>): predicted, then — on the table's machine —
    /// measured. Returns the measured floor (null on another machine).
    /// </summary>
    public static double? CheckBudget(SupernetConfig space, LatencyObjective objective, LatencyTable table, Action<string>? log = null)
    {
        var floor = LatencyFloor.Of(space.Space, table);
        if (floor.Refuses(objective.BudgetMs, table) is { } predicted) throw new SettingException("budget_ms", predicted);
        if (MeasuredBudget.MeasureFloor(floor, table) is not { } measured) return null;
        if (floor.Refuses(objective.BudgetMs, table, measured) is { } refusal) throw new SettingException("budget_ms", refusal);
        log?.Invoke(string.Create(CultureInfo.InvariantCulture,
            $"cheapest network of this space: {measured:F1} ms measured ({floor.Milliseconds:F1} ms predicted); budget {objective.BudgetMs:F1} ms"));
        return measured;
    }

    /// <summary>A budgeted search on its table's machine measures each epoch's derived network there (see <see cref="Searcher.Run"/>).</summary>
    private static Func<Genotype, double>? MeasurerFor(SearchOptions options) =>
        options.Latency is { } objective && File.Exists(objective.TablePath) ? MeasuredBudget.MeasurerFor(LatencyTable.Load(objective.TablePath)) : null;

    private static SearchOutcome Finish(string runDir, Genotype genotype, Action<string>? log)
    {
        var full = Path.GetFullPath(runDir);
        var report = File.Exists(Path.Combine(full, BudgetReport.FileName)) ? MeasuredBudget.Check(full, genotype, log) : null;
        return new SearchOutcome(full, genotype, report);
    }
}
