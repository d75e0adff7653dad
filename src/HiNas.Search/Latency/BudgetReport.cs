using HiNas.Search.Genotypes;
using HiNas.Search.Runs;
using HiNas.Search.SearchSpace;

namespace HiNas.Search.Latency;

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

    /// <summary>The cheapest network of the searched space on this table (<see cref="LatencyFloor"/>).</summary>
    public double? FloorMs { get; init; }

    /// <summary>Only when the derived network misses the budget: the closest one that meets it, and its prediction.</summary>
    public string? WithinBudgetGenotype { get; init; }
    public double? WithinBudgetPredictedMs { get; init; }
    public int? OperationsReplaced { get; init; }

    /// <summary>Whether the closest network had to leave the derived width path for the floor's.</summary>
    public bool? WidthPathChanged { get; init; }

    public static BudgetReport For(Genotype genotype, LatencyTable table, LatencyObjective objective, LatencyFloor floor, string runDir)
    {
        var predicted = NetworkLatency.Predict(genotype, table);
        var report = new BudgetReport
        {
            BudgetMs = objective.BudgetMs, PredictedMs = predicted, MeetsBudget = predicted <= objective.BudgetMs,
            Table = objective.TablePath, Resolution = table.Resolution, FloorMs = floor.Milliseconds,
        };
        if (!report.MeetsBudget)
        {
            var (closest, replaced) = Closest(genotype, table, objective.BudgetMs);
            var moved = closest is null;
            if (moved) (closest, replaced) = Closest(genotype.OnWidthPath(floor.Network.WidthPath), table, objective.BudgetMs);
            if (closest is not null)
            {
                GenotypeJson.Save(closest, Path.Combine(runDir, WithinBudgetFile));
                report = report with
                {
                    WithinBudgetGenotype = WithinBudgetFile, WithinBudgetPredictedMs = NetworkLatency.Predict(closest, table),
                    OperationsReplaced = replaced, WidthPathChanged = moved,
                };
            }
        }
        RunFiles.WriteJsonAtomic(Path.Combine(runDir, FileName), report);
        return report;
    }

    /// <summary>The genotype with its dearest operations replaced by skip until it fits (null when even all-skip does not).</summary>
    public static (Genotype? Genotype, int Replaced) Closest(Genotype genotype, LatencyTable table, double budgetMs)
    {
        var cells = genotype.Cells.Select(c => c.Edges.ToArray()).ToArray();
        var replaced = 0;
        Genotype current = genotype;
        while (NetworkLatency.Predict(current, table) > budgetMs)
        {
            var dearest = cells.SelectMany((edges, l) => edges.Select((e, i) => (l, i, e)))
                .Where(x => LatencyKeys.IsMeasured(x.e.Op))
                .Select(x => (x.l, x.i, Cost: table.Of(LatencyKeys.Operation(x.e.Op, genotype.NodeChannels(genotype.WidthPath[x.l])))))
                .OrderByDescending(x => x.Cost).FirstOrDefault();
            if (dearest.Cost <= 0) return (null, replaced);
            cells[dearest.l][dearest.i] = new CellEdge(OperationNames.Skip, cells[dearest.l][dearest.i].Input);
            replaced++;
            current = genotype.WithCells(cells.Select(edges => new CellGenotype(edges)).ToArray());
        }
        return (current, replaced);
    }
}
