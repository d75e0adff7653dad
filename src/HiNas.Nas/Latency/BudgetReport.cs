using System.Globalization;
using HiNas.Nas.Genotypes;
using HiNas.Nas.Runs;
using HiNas.Nas.Space;

namespace HiNas.Nas.Latency;

/// <summary>
/// RUN_DIR/latency.json of a search with a budget: the derived network's predicted latency against the budget,
/// and — when the argmax derivation misses it — the closest network that meets it: the derived one with its most
/// expensive operations turned into skip connections, one at a time, until the prediction fits; when even every
/// operation a skip does not fit on the derived width path, the derived cells on the floor's (cheapest) width path
/// the same way. The search refuses budgets under the floor, so one always exists.
/// </summary>
public sealed record BudgetReport
{
    public const string FileName = "latency.json";
    public const string WithinBudgetFile = "genotype-within-budget.json";

    public required double BudgetMs { get; init; }
    public required double PredictedMs { get; init; }
    public required bool MeetsBudget { get; init; }
    public required string Table { get; init; }
    public required string Resolution { get; init; }

    /// <summary>The table's precision (<see cref="LatencyTable.Precision"/>): the arithmetic the budget is for, and the verdict measured in.</summary>
    public string Precision { get; init; } = Imaging.Tasks.ModelPrecision.Float32;

    /// <summary>" in int8" where the budget is not float32's, as the verdicts say it; empty otherwise.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string InPrecision => Precision == Imaging.Tasks.ModelPrecision.Float32 ? "" : $" in {Precision}";

    /// <summary>
    /// The objective's <see cref="LatencyObjective.Calibration"/>: the predicted verdict and the closest network judge
    /// the prediction times it (<see cref="PredictedMs"/> stays the table's own).
    /// </summary>
    public double? Calibration { get; init; }

    /// <summary>The cheapest network of the searched space on this table (<see cref="LatencyFloor"/>).</summary>
    public double? FloorMs { get; init; }

    /// <summary>Only when the derived network misses the budget: the closest one that meets it, and its prediction.</summary>
    public string? WithinBudgetGenotype { get; init; }
    public double? WithinBudgetPredictedMs { get; init; }
    public int? OperationsReplaced { get; init; }

    /// <summary>Whether the closest network had to leave the derived width path for the floor's.</summary>
    public bool? WidthPathChanged { get; init; }

    /// <summary>
    /// Measured latency of the derived network (set by the measured check that follows the search, which also
    /// decides <see cref="MeetsBudget"/> then: measured, not predicted).
    /// </summary>
    public double? MeasuredMs { get; init; }

    public double? WithinBudgetMeasuredMs { get; init; }

    public static BudgetReport For(Genotype genotype, LatencyTable table, LatencyObjective objective, LatencyFloor floor, string runDir)
    {
        var predicted = NetworkLatency.Predict(genotype, table);
        var report = new BudgetReport
        {
            BudgetMs = objective.BudgetMs, PredictedMs = predicted, MeetsBudget = objective.Calibrated(predicted) <= objective.BudgetMs,
            Table = objective.TablePath, Resolution = table.Resolution, Precision = table.Precision, FloorMs = floor.Milliseconds, Calibration = objective.Calibration,
        };
        File.Delete(Path.Combine(runDir, WithinBudgetFile)); // a resumed run derives anew
        if (!report.MeetsBudget)
        {
            var closest = Candidates(genotype, table, floor.Network.WidthPath).FirstOrDefault(c => objective.Calibrated(c.PredictedMs) <= objective.BudgetMs);
            if (closest.Genotype is not null) report = report.WithClosest(closest, runDir);
        }
        report.Save(runDir);
        return report;
    }

    /// <summary>Records <paramref name="closest"/> as the network to use (genotype-within-budget.json).</summary>
    public BudgetReport WithClosest(Candidate closest, string runDir, double? measuredMs = null)
    {
        GenotypeJson.Save(closest.Genotype, Path.Combine(runDir, WithinBudgetFile));
        return this with
        {
            WithinBudgetGenotype = WithinBudgetFile, WithinBudgetPredictedMs = closest.PredictedMs, WithinBudgetMeasuredMs = measuredMs,
            OperationsReplaced = closest.Replaced, WidthPathChanged = closest.WidthPathChanged,
        };
    }

    /// <summary>The verdict in one line, as the CLI prints it and a job's "budget" event says it.</summary>
    public string Verdict()
    {
        var latency = MeasuredMs is { } measured
            ? string.Create(CultureInfo.InvariantCulture, $"measured{InPrecision} at {measured:F1} ms (predicted {PredictedMs:F1})")
            : string.Create(CultureInfo.InvariantCulture, $"predicted{InPrecision} at {PredictedMs:F1} ms");
        var closest = WithinBudgetMeasuredMs ?? WithinBudgetPredictedMs;
        return MeetsBudget
            ? string.Create(CultureInfo.InvariantCulture, $"the found network is {latency}, within the {BudgetMs:F1} ms budget")
            : WithinBudgetGenotype is null
                ? string.Create(CultureInfo.InvariantCulture, $"the found network is {latency}, over the {BudgetMs:F1} ms budget, and no variant of it fits")
                : string.Create(CultureInfo.InvariantCulture,
                    $"the found network is {latency}, over the {BudgetMs:F1} ms budget; the closest within it ({closest:F1} ms, {OperationsReplaced} operation(s) made skip connections{(WidthPathChanged == true ? ", on the space's cheapest width path" : "")}) is {WithinBudgetGenotype}");
    }

    public void Save(string runDir) => RunFiles.WriteJsonAtomic(Path.Combine(runDir, FileName), this);

    /// <summary>A cheaper variant of a derived network: how many operations became skips, and whether its width path is the floor's.</summary>
    public readonly record struct Candidate(Genotype Genotype, double PredictedMs, int Replaced, bool WidthPathChanged);

    /// <summary>
    /// Ever cheaper variants of <paramref name="genotype"/>: its dearest operation (by the table) turned into a skip
    /// connection, one at a time, until every one is; then the same on <paramref name="floorPath"/> from the derived
    /// cells again (when that path differs). The last one is the floor network. None in a space without skips.
    /// </summary>
    public static IEnumerable<Candidate> Candidates(Genotype genotype, LatencyTable table, IReadOnlyList<int>? floorPath = null)
    {
        foreach (var c in Skipping(genotype, table, pathChanged: false)) yield return c;
        if (floorPath is not null && !floorPath.SequenceEqual(genotype.WidthPath))
            foreach (var c in Skipping(genotype.OnWidthPath(floorPath), table, pathChanged: true)) yield return c;
    }

    private static IEnumerable<Candidate> Skipping(Genotype genotype, LatencyTable table, bool pathChanged)
    {
        if (!genotype.Space.Candidates.Offers(OperationNames.Skip)) yield break; // a space without skips has no such variants
        var cells = genotype.Cells.Select(c => c.Edges.ToArray()).ToArray();
        var replaced = 0;
        var current = genotype;
        while (true)
        {
            if (replaced > 0) yield return new Candidate(current, NetworkLatency.Predict(current, table), replaced, pathChanged);
            var dearest = cells.SelectMany((edges, l) => edges.Select((e, i) => (l, i, Op: genotype.Space.Operation(e.Op))))
                .Where(x => x.Op.Convolves)
                .Select(x => (x.l, x.i, Cost: table.Of(LatencyKeys.Operation(x.Op, genotype.NodeChannels(genotype.WidthPath[x.l]), genotype.Space.PixelUnshuffle, genotype.Space.Form))))
                .OrderByDescending(x => x.Cost).FirstOrDefault();
            if (dearest.Cost <= 0) yield break;
            cells[dearest.l][dearest.i] = new CellEdge(OperationNames.Skip, cells[dearest.l][dearest.i].Input);
            replaced++;
            current = genotype.WithCells(cells.Select(edges => new CellGenotype(edges)).ToArray());
        }
    }

    /// <summary>The genotype with its dearest operations replaced by skip until it fits, on its own width path (null when even all-skip does not).</summary>
    public static (Genotype? Genotype, int Replaced) Closest(Genotype genotype, LatencyTable table, double budgetMs)
    {
        if (NetworkLatency.Predict(genotype, table) <= budgetMs) return (genotype, 0);
        var fit = Candidates(genotype, table).FirstOrDefault(c => c.PredictedMs <= budgetMs);
        return fit.Genotype is null ? (null, 0) : (fit.Genotype, fit.Replaced);
    }
}
