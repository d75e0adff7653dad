using HiNas.Onnx.Export;
using HiNas.Search.Latency;
using HiNas.Search.Networks;
using HiNas.Search.Runtime;
using HiNas.Search.Supernets;
using HiNas.Nas.Genotypes;
using HiNas.Nas.Latency;
using HiNas.Nas.Runs;
using HiNas.Nas.Settings;

namespace HiNas.Onnx.Latency;

/// <summary>
/// The check that ends a budgeted search: the derived network exported and run by ONNX Runtime at the table's
/// resolution and in its precision, the verdict against the budget taken from that measurement rather than the table's prediction.
/// When the measurement misses, the derived network's cheaper variants (<see cref="BudgetReport.Candidates"/>) are
/// measured in turn and the first within the budget becomes genotype-within-budget.json. Only on the machine the
/// table was measured on (the same device name); elsewhere the report keeps the predicted verdict. The same
/// measurement serves before the search (the space's floor, <see cref="MeasureFloor"/>) and during it (each epoch's
/// derived network, <see cref="MeasurerFor"/>).
/// </summary>
public static class MeasuredBudget
{
    /// <summary>Candidates predicted over this multiple of the budget are not worth an ONNX Runtime run.</summary>
    private const double HopelessFactor = 1.25;

    public static BudgetReport Check(string runDir, Genotype genotype, Action<string>? log = null)
    {
        var report = RunFiles.ReadJson<BudgetReport>(Path.Combine(runDir, BudgetReport.FileName));
        var table = LatencyTable.Load(report.Table);
        if (table.Device != LatencyProfiler.DeviceName())
        {
            log?.Invoke($"the table was measured on '{table.Device}', not this machine ('{LatencyProfiler.DeviceName()}'): the verdict stays the predicted one");
            return report;
        }
        var measured = Measure(genotype, table);
        report = report with
        {
            MeasuredMs = measured, MeetsBudget = measured <= report.BudgetMs, Precision = table.Precision,
            WithinBudgetGenotype = null, WithinBudgetPredictedMs = null, WithinBudgetMeasuredMs = null, OperationsReplaced = null, WidthPathChanged = null,
        };
        File.Delete(Path.Combine(runDir, BudgetReport.WithinBudgetFile));
        if (!report.MeetsBudget)
        {
            var floor = LatencyFloor.Of(genotype.Space, table);
            foreach (var candidate in BudgetReport.Candidates(genotype, table, floor.Network.WidthPath))
            {
                if (candidate.PredictedMs * (report.Calibration ?? 1) > report.BudgetMs * HopelessFactor) continue;
                var ms = Measure(candidate.Genotype, table);
                log?.Invoke(FormattableString.Invariant($"{candidate.Replaced} operation(s) made skip connections{(candidate.WidthPathChanged ? " on the floor's width path" : "")}: {ms:F1} ms measured ({candidate.PredictedMs:F1} predicted)"));
                if (ms <= report.BudgetMs)
                {
                    report = report.WithClosest(candidate, runDir, ms);
                    break;
                }
            }
        }
        report.Save(runDir);
        return report;
    }

    /// <summary>
    /// How a search measures its derived networks against <paramref name="table"/> (the median of three rounds at the
    /// table's resolution); null when the table comes from another machine.
    /// </summary>
    public static Func<Genotype, double>? MeasurerFor(LatencyTable table) =>
        table.Device == LatencyProfiler.DeviceName() ? genotype => Measure(genotype, table) : null;

    /// <summary>
    /// The network of <paramref name="floor"/> (the cheapest of its space on <paramref name="table"/>) run by ONNX
    /// Runtime at the table's resolution; null when the table comes from another machine, where a measurement here
    /// says nothing.
    /// </summary>
    public static double? MeasureFloor(LatencyFloor floor, LatencyTable table) => MeasurerFor(table)?.Invoke(floor.Network);

    private static double Measure(Genotype genotype, LatencyTable table)
    {
        using var network = TorchRuntime.Seeded(1, () => new DerivedNetwork(genotype));
        network.eval();
        return NetworkTiming.Measure(network, genotype.Task, table.Width, table.Height, table.Repeats, table.Precision);
    }
}
