using HiNas.Imaging.Randomness;
using HiNas.Imaging.Tasks;
using HiNas.Onnx.Latency;
using HiNas.Search.Data;
using HiNas.Search.Latency;
using HiNas.Search.Runtime;
using HiNas.Search.Searching;
using HiNas.Search.Supernets;
using HiNas.Nas.Genotypes;
using HiNas.Nas.Latency;
using HiNas.Nas.Runs;
using HiNas.Nas.Settings;

namespace HiNas.Onnx.Tests;

/// <summary>A tiny latency-budgeted search against the same search without a budget.</summary>
public class BudgetedSearchTests
{
    public BudgetedSearchTests() => TorchRuntime.EnsureInitialized();

    [Fact]
    public void ABudget_LowersTheExpectedAndThePredictedLatency_AndTheReportSaysWhetherItFits()
    {
        var (root, table, tablePath, tiny) = Profiled(32, 32);
        var space = tiny.Supernet;
        var options = tiny with { Epochs = 3, Warmup = 1, StepsPerEpoch = 6 };

        var free = Searcher.Run(options, Path.Combine(root, "free"));
        // the tightest budget any network of the space can meet (its all-skip floor), with a strong weight: the
        // architecture step is pushed hard toward cheap operations
        var floor = LatencyFloor.Of(space.Space, table);
        var budgeted = options with { Latency = new LatencyObjective { TablePath = tablePath, BudgetMs = floor.Milliseconds, Weight = 10 } };
        Assert.Equal(budgeted.Latency, SearchOptionsJson.Load(SaveAndReturn(budgeted, Path.Combine(root, "options.json"))).Latency);
        var cheap = Searcher.Run(budgeted, Path.Combine(root, "budgeted"));

        var events = JsonLines.Read<SearchEvent>(Path.Combine(root, "budgeted", SearchRun.EventsFile)).Where(e => e.Kind == "epoch").ToArray();
        Assert.All(events, e => Assert.NotNull(e.ExpectedLatencyMs));
        Assert.True(events[^1].ExpectedLatencyMs < events[0].ExpectedLatencyMs, "E[latency] falls while the search runs over budget");
        Assert.True(NetworkLatency.Predict(cheap, table) < NetworkLatency.Predict(free, table),
            $"budgeted {NetworkLatency.Predict(cheap, table):F4} ms vs free {NetworkLatency.Predict(free, table):F4} ms");

        var report = RunFiles.ReadJson<BudgetReport>(Path.Combine(root, "budgeted", BudgetReport.FileName));
        Assert.Equal(NetworkLatency.Predict(cheap, table), report.PredictedMs, 6);
        Assert.Equal(floor.Milliseconds, report.FloorMs!.Value, 6);
        Assert.Equal(report.PredictedMs <= report.BudgetMs, report.MeetsBudget);
        if (report.WithinBudgetGenotype is { } closestFile)
            Assert.True(NetworkLatency.Predict(GenotypeJson.Load(Path.Combine(root, "budgeted", closestFile)), table) <= floor.Milliseconds + 1e-9);
        Assert.False(File.Exists(Path.Combine(root, "free", BudgetReport.FileName)));

        // the measured check that ends a budgeted search (the CLI and the job worker run it): the verdict is measured
        var budgetedDir = Path.Combine(root, "budgeted");
        var generous = report with { BudgetMs = 1e6 };
        generous.Save(budgetedDir);
        File.WriteAllText(Path.Combine(budgetedDir, BudgetReport.WithinBudgetFile), "stale");
        var measured = MeasuredBudget.Check(budgetedDir, cheap);
        Assert.InRange(measured.MeasuredMs!.Value, 1e-3, 1e4);
        Assert.True(measured.MeetsBudget);
        Assert.Null(measured.WithinBudgetGenotype);
        Assert.False(File.Exists(Path.Combine(budgetedDir, BudgetReport.WithinBudgetFile)));
        Assert.Equal(measured, RunFiles.ReadJson<BudgetReport>(Path.Combine(budgetedDir, BudgetReport.FileName)));
        (report with { BudgetMs = 1e-6 }).Save(budgetedDir); // nothing runs in a nanosecond: every variant is measured and none fits
        var missed = MeasuredBudget.Check(budgetedDir, cheap);
        Assert.False(missed.MeetsBudget);
        Assert.Null(missed.WithinBudgetGenotype);
        Assert.True(missed.MeasuredMs > 1e-6);

        // a budget under the floor is refused before anything is written: no search of this space could meet it
        var impossible = options with { Latency = budgeted.Latency! with { BudgetMs = floor.Milliseconds * 0.9 } };
        var refused = Assert.Throws<SettingException>(() => Searcher.Run(impossible, Path.Combine(root, "impossible")));
        Assert.Equal("budget_ms", refused.Setting);
        Assert.Contains("below the cheapest network of this search space", refused.Message);
        Assert.False(Directory.Exists(Path.Combine(root, "impossible")));

        // a reachable budget below the derived network's prediction: the closest network within it is offered
        var derivedMs = NetworkLatency.Predict(free, table);
        var parts = NetworkLatency.Parts(free).ToArray();
        var fixedParts = parts.Where(p => !p.StartsWith("op:", StringComparison.Ordinal)).Sum(table.Of);
        if (derivedMs - fixedParts > 1e-6)
        {
            var (closest, replaced) = BudgetReport.Closest(free, table, (derivedMs + fixedParts) / 2);
            Assert.NotNull(closest);
            Assert.True(replaced > 0);
            Assert.True(NetworkLatency.Predict(closest!, table) <= (derivedMs + fixedParts) / 2);
        }
    }

    [Fact]
    public void AMeasuringSearch_CalibratesItsPenaltyByTheMeasuredDerivedNetwork_AndCheckpointsTheCalibration()
    {
        var (root, table, tablePath, tiny) = Profiled(64, 48);
        var options = tiny with { Epochs = 3, Warmup = 2, StepsPerEpoch = 2, Latency = new LatencyObjective { TablePath = tablePath, BudgetMs = 100 } };
        var measurer = MeasuredBudget.MeasurerFor(table);
        Assert.NotNull(measurer); // profiled here, so measured here
        var measuredGenotypes = new List<Genotype>();
        var dir = Path.Combine(root, "run");

        Searcher.Run(options, dir, measureLatency: g => { measuredGenotypes.Add(g); return measurer!(g); });

        // measured from the last warm-up epoch on: epochs 2 and 3, each the network that epoch derived
        var epochs = JsonLines.Read<SearchEvent>(Path.Combine(dir, SearchRun.EventsFile)).Where(e => e.Kind == "epoch").ToArray();
        Assert.Null(epochs[0].MeasuredLatencyMs);
        Assert.Equal(2, measuredGenotypes.Count);
        foreach (var e in epochs.Skip(1))
        {
            Assert.InRange(e.MeasuredLatencyMs!.Value, 1e-3, 1e4);
            Assert.Equal(e.MeasuredLatencyMs.Value / e.DerivedLatencyMs!.Value, e.LatencyCalibration!.Value, 9);
        }
        Assert.Equal(epochs[^1].Genotype, measuredGenotypes[^1].ToString());
        var state = RunFiles.ReadJson<HiNas.Search.Checkpoints.SearchCheckpoint.State>(
            Path.Combine(HiNas.Search.Checkpoints.SearchCheckpoint.FindLatest(dir)!, "state.json"));
        Assert.Equal(epochs[^1].LatencyCalibration!.Value, state.LatencyCalibration, 12);

        // without a budget there is nothing to measure
        var free = options with { Latency = null };
        Searcher.Run(free, Path.Combine(root, "free"), measureLatency: g => throw new InvalidOperationException("measured a search without a budget"));
    }

    [Fact]
    public void ASinglePathSearchsBudget_BoundsEveryNetworkItDrawsTrainsAndRanks()
    {
        var (root, table, tablePath, tiny) = Profiled(32, 32);
        var options = tiny with { Epochs = 3, Warmup = 1, StepsPerEpoch = 4, SupernetTraining = SupernetTrainings.SinglePath, RankedNetworks = 6 };
        // the budget: the median of the space's networks as the table predicts them, so half of what an unbounded draw gives is over it
        var predicted = SortedPredictions(tiny, table);
        var budget = predicted[predicted.Length / 2];
        Assert.True(predicted[^1] > budget, "some networks of the space are over the budget");
        var budgeted = options with { Latency = new LatencyObjective { TablePath = tablePath, BudgetMs = budget } };

        var found = Searcher.Run(budgeted, Path.Combine(root, "budgeted"));

        Assert.True(NetworkLatency.Predict(found, table) <= budget);
        var ranked = RunFiles.ReadJson<NetworkRanking.Ranking>(Path.Combine(root, "budgeted", NetworkRanking.RankingFile)).Candidates;
        Assert.Equal(6, ranked.Count);
        Assert.All(ranked, c => Assert.True(NetworkLatency.Predict(new Genotype(tiny.Supernet.Space, c.Cells.Select(e => new CellGenotype(e)).ToArray(), c.WidthPath), table) <= budget,
            $"{c.Origin} is over the {budget:F4} ms budget"));
        using (var session = new SearchSession(budgeted))
        {
            var random = new DeterministicRandom(7);
            Assert.All(Enumerable.Range(0, 50).Select(_ => session.DrawSubnetwork(random)), g => Assert.True(NetworkLatency.Predict(g, table) <= budget));
        }
        // at the space's floor only the all-skip network fits, which uniform draws do not find: refused, naming the budget
        var floor = LatencyFloor.Of(tiny.Supernet.Space, table);
        using var atFloor = new SearchSession(options with { Latency = new LatencyObjective { TablePath = tablePath, BudgetMs = floor.Milliseconds } });
        var refusal = Assert.Throws<SettingException>(() => atFloor.DrawSubnetwork(new DeterministicRandom(7)));
        Assert.Equal("budget_ms", refusal.Setting);
        Assert.Contains("give a larger budget", refusal.Problem);
    }

    /// <summary>
    /// With a band, a single-path search draws only networks from that fraction of the budget up to it — uniform draws
    /// within a budget alone fall mostly below — and a band no draw reaches is refused naming it.
    /// </summary>
    [Fact]
    public void ABudgetsBand_KeepsEveryDrawInIt_AndABandNoDrawReaches_IsRefusedNamingIt()
    {
        var (_, table, tablePath, tiny) = Profiled(32, 32);
        var options = tiny with { SupernetTraining = SupernetTrainings.SinglePath };
        var predicted = SortedPredictions(tiny, table);
        var budget = predicted[predicted.Length * 3 / 4];
        var band = predicted[predicted.Length / 2] / budget; // from the median to the third quartile
        double[] Draws(LatencyObjective objective)
        {
            using var session = new SearchSession(options with { Latency = objective });
            var random = new DeterministicRandom(7);
            return Enumerable.Range(0, 40).Select(_ => NetworkLatency.Predict(session.DrawSubnetwork(random), table)).ToArray();
        }
        var banded = Draws(new LatencyObjective { TablePath = tablePath, BudgetMs = budget, Band = band });
        Assert.All(banded, ms => Assert.InRange(ms, band * budget, budget));
        Assert.Contains(Draws(new LatencyObjective { TablePath = tablePath, BudgetMs = budget }), ms => ms < band * budget);

        // at the space's floor only the all-skip network is in any band, which uniform draws do not find
        var floor = LatencyFloor.Of(tiny.Supernet.Space, table);
        using var atFloor = new SearchSession(options with { Latency = new LatencyObjective { TablePath = tablePath, BudgetMs = floor.Milliseconds, Band = 0.5 } });
        var refusal = Assert.Throws<SettingException>(() => atFloor.DrawSubnetwork(new DeterministicRandom(7)));
        Assert.Equal("budget_band", refusal.Setting);
        Assert.Contains("give a lower band or another budget", refusal.Problem);
    }

    /// <summary>
    /// A calibrated objective admits by the prediction times its calibration: a single-path search's draws move with it
    /// (a calibration under 1 draws networks the table predicts over the budget), and the calibration is kept in the
    /// options file a resumed search reads.
    /// </summary>
    [Fact]
    public void ACalibratedBudget_AdmitsByThePredictionTimesTheCalibration_AndTheOptionsFileKeepsIt()
    {
        var (root, table, tablePath, tiny) = Profiled(32, 32);
        var options = tiny with { SupernetTraining = SupernetTrainings.SinglePath };
        var predicted = SortedPredictions(tiny, table);
        var budget = predicted[predicted.Length * 3 / 4];
        var band = predicted[predicted.Length / 2] / budget;
        const double calibration = 0.8;
        var objective = new LatencyObjective { TablePath = tablePath, BudgetMs = budget, Band = band, Calibration = calibration };
        Assert.Equal(objective, SearchOptionsJson.Load(SaveAndReturn(options with { Latency = objective }, Path.Combine(root, "options.json"))).Latency);

        using var session = new SearchSession(options with { Latency = objective });
        var random = new DeterministicRandom(7);
        var draws = Enumerable.Range(0, 40).Select(_ => NetworkLatency.Predict(session.DrawSubnetwork(random), table)).ToArray();
        Assert.All(draws, ms => Assert.InRange(ms, band * budget / calibration - 1e-9, budget / calibration + 1e-9));
        Assert.Contains(draws, ms => ms > budget);

        var refused = Assert.Throws<SettingException>(() => (objective with { Calibration = 7 }).Validate());
        Assert.Equal("latency_calibration", refused.Setting);
    }

    /// <summary>
    /// The calibration measured before a single-path search: its first round's networks are the draws the prediction as
    /// it is puts nearest the band's middle, its second round's those the first round's ratio puts there, and the ratio is
    /// the second round's median — with a machine that runs every network at 0.8 × its prediction, exactly 0.8; a band no
    /// draw is predicted in is calibrated all the same; and with ONNX Runtime's own timing, a ratio within bounds.
    /// </summary>
    [Fact]
    public void ABudgetCalibration_MeasuresTheDrawsNearestTheBand_AndTakesTheSecondRoundsMedian()
    {
        var (_, table, tablePath, tiny) = Profiled(32, 32);
        var space = tiny.Supernet.Space;
        var predicted = SortedPredictions(tiny, table);
        var objective = new LatencyObjective { TablePath = tablePath, BudgetMs = predicted[predicted.Length * 3 / 4], Band = 0.5 };
        double FasterThanPredicted(Genotype g) => 0.8 * NetworkLatency.Predict(g, table);

        var calibration = BudgetCalibration.Measure(space, table, objective, FasterThanPredicted);

        Assert.Equal(0.8, calibration.Ratio, 12);
        Assert.Equal(BudgetCalibration.NetworksPerRound, calibration.First.Count);
        Assert.All(calibration.First, n => Assert.True(objective.Admits(n.PredictedMs), $"{n.PredictedMs} ms is outside the band"));
        Assert.All(calibration.Second, n => Assert.True((objective with { Calibration = 0.8 }).Admits(n.PredictedMs), $"{n.PredictedMs} ms × 0.8 is outside the band"));
        // the band's middle in the table's milliseconds moves from 0.75 to 0.75 / 0.8 of the budget
        Assert.True(calibration.Second.Min(n => n.PredictedMs) > calibration.First.Max(n => n.PredictedMs), "the second round draws by the calibrated prediction");
        Assert.StartsWith("latency calibration: ONNX Runtime measures the budget's networks at 0.8 × the table's prediction", calibration.Describe());

        // a band at the floor, where no draw is predicted: the cheapest draws are measured
        var floor = LatencyFloor.Of(space, table);
        var atFloor = BudgetCalibration.Measure(space, table, objective with { BudgetMs = floor.Milliseconds, Band = 0.99 }, FasterThanPredicted);
        Assert.Equal(0.8, atFloor.Ratio, 12);
        Assert.All(atFloor.First, n => Assert.InRange(n.PredictedMs, floor.Milliseconds, predicted[predicted.Length / 4]));

        // ONNX Runtime's timing of whole networks on this machine
        var measured = BudgetCalibration.Measure(space, table, objective, MeasuredBudget.MeasurerFor(table)!);
        Assert.All(measured.First.Concat(measured.Second), n => Assert.InRange(n.MeasuredMs, 1e-4, 1e4));
        Assert.InRange(measured.Calibration, LatencyObjective.MinCalibration, LatencyObjective.MaxCalibration);
    }

    /// <summary>The table's predictions of 200 networks drawn uniformly from the options' space, sorted (to pick budgets at its quantiles).</summary>
    private static double[] SortedPredictions(SearchOptions options, LatencyTable table) =>
        Enumerable.Range(1, 200).Select(seed => NetworkLatency.Predict(RandomGenotype.Sample(options.Supernet.Space, (ulong)seed), table)).Order().ToArray();

    /// <summary>A tiny denoising space profiled at width × height into a fresh folder, and tiny search options for it.</summary>
    private static (string Root, LatencyTable Table, string TablePath, SearchOptions Options) Profiled(int width, int height)
    {
        var space = new SupernetConfig { Task = RestorationTask.Denoise(25, 3), Layers = 2, Blocks = 2, Filters = 4, StemChannels = 8 };
        var root = Path.Combine(Path.GetTempPath(), "hinas-budget-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        var tablePath = Path.Combine(root, "table.json");
        var table = LatencyProfiler.Profile(space.Space, width, height, repeats: 3);
        table.Save(tablePath);
        var options = new SearchOptions
        {
            Supernet = space, Data = new DataSpec { DeadLeavesCount = 8, DeadLeavesSize = 48 }, Epochs = 3, Warmup = 1, StepsPerEpoch = 6,
            Batch = 2, Crop = 32, ArchitectLearningRate = 0.05, Threads = 2, Device = "cpu",
        };
        return (root, table, tablePath, options);
    }

    private static string SaveAndReturn(SearchOptions options, string path)
    {
        SearchOptionsJson.Save(options, path);
        return path;
    }
}
