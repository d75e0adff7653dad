using HiNas.Imaging.Tasks;
using HiNas.Onnx.Latency;
using HiNas.Search.Data;
using HiNas.Search.Genotypes;
using HiNas.Search.Latency;
using HiNas.Search.Runs;
using HiNas.Search.Runtime;
using HiNas.Search.Searching;
using HiNas.Search.Supernets;

namespace HiNas.Onnx.Tests;

/// <summary>A tiny latency-budgeted search against the same search without a budget.</summary>
public class BudgetedSearchTests
{
    public BudgetedSearchTests() => TorchRuntime.EnsureInitialized();

    [Fact]
    public void ABudget_LowersTheExpectedAndThePredictedLatency_AndTheReportSaysWhetherItFits()
    {
        var space = new SupernetConfig { Task = RestorationTask.Denoise(25, 3), Layers = 2, Blocks = 2, Filters = 4, StemChannels = 8 };
        var root = Path.Combine(Path.GetTempPath(), "hinas-budget-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        var tablePath = Path.Combine(root, "table.json");
        var table = LatencyProfiler.Profile(space, 32, 32, repeats: 3);
        table.Save(tablePath);
        var options = new SearchOptions
        {
            Supernet = space, Data = new DataSpec { DeadLeavesCount = 8, DeadLeavesSize = 48 }, Epochs = 3, Warmup = 1, StepsPerEpoch = 6,
            Batch = 2, Crop = 32, ArchitectLearningRate = 0.05, Threads = 2, Device = "cpu",
        };

        var free = Searcher.Run(options, Path.Combine(root, "free"));
        // an impossible budget with a strong weight: the architecture step is pushed hard toward cheap operations
        var budgeted = options with { Latency = new LatencyObjective { TablePath = tablePath, BudgetMs = 1e-3, Weight = 10 } };
        Assert.Equal(budgeted.Latency, SearchOptionsJson.Load(SaveAndReturn(budgeted, Path.Combine(root, "options.json"))).Latency);
        var cheap = Searcher.Run(budgeted, Path.Combine(root, "budgeted"));

        var events = JsonLines.Read<SearchEvent>(Path.Combine(root, "budgeted", Searcher.EventsFile)).Where(e => e.Kind == "epoch").ToArray();
        Assert.All(events, e => Assert.NotNull(e.ExpectedLatencyMs));
        Assert.True(events[^1].ExpectedLatencyMs < events[0].ExpectedLatencyMs, "E[latency] falls while the search runs over budget");
        Assert.True(NetworkLatency.Predict(cheap, table) < NetworkLatency.Predict(free, table),
            $"budgeted {NetworkLatency.Predict(cheap, table):F4} ms vs free {NetworkLatency.Predict(free, table):F4} ms");

        var report = RunFiles.ReadJson<BudgetReport>(Path.Combine(root, "budgeted", BudgetReport.FileName));
        Assert.False(report.MeetsBudget); // 1 µs is out of reach …
        Assert.Null(report.WithinBudgetGenotype); // … even with every operation a skip connection, and the report says so
        Assert.Equal(NetworkLatency.Predict(cheap, table), report.PredictedMs, 6);
        Assert.False(File.Exists(Path.Combine(root, "free", BudgetReport.FileName)));

        // a reachable budget below the derived network's prediction: the closest network within it is offered
        var derivedMs = NetworkLatency.Predict(free, table);
        var parts = NetworkLatency.Parts(free).ToArray();
        var floor = parts.Where(p => !p.StartsWith("op:", StringComparison.Ordinal)).Sum(table.Of);
        if (derivedMs - floor > 1e-6)
        {
            var (closest, replaced) = BudgetReport.Closest(free, table, (derivedMs + floor) / 2);
            Assert.NotNull(closest);
            Assert.True(replaced > 0);
            Assert.True(NetworkLatency.Predict(closest!, table) <= (derivedMs + floor) / 2);
        }
    }

    private static string SaveAndReturn(SearchOptions options, string path)
    {
        SearchOptionsJson.Save(options, path);
        return path;
    }
}
