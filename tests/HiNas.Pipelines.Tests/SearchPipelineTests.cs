using HiNas.Imaging.Tasks;
using HiNas.Nas.Genotypes;
using HiNas.Nas.Latency;
using HiNas.Nas.Runs;
using HiNas.Nas.Settings;
using HiNas.Nas.Workers;
using HiNas.Search.Searching;

namespace HiNas.Pipelines.Tests;

/// <summary>
/// A latency-budgeted search through the one workflow the CLI, the job worker and the benches call: the budget checked
/// against the space's floor (predicted, then measured) before anything is written, the search, the measured verdict.
/// </summary>
public sealed class SearchPipelineTests
{
    [Fact]
    public void ABudgetedSearch_IsCheckedBeforeItStarts_AndEndsWithAMeasuredVerdict()
    {
        var root = Directory.CreateTempSubdirectory("hinas-pipeline-tests").FullName;
        var space = new SupernetConfig { Task = RestorationTask.Denoise(25, 1), Layers = 1, Blocks = 2, Filters = 4, StemChannels = 8 };
        var profile = LatencyProfilePipeline.Run(space.Space, 48, 32, repeats: 3, Path.Combine(root, "table.json"));
        Assert.Equal(profile.Table.Milliseconds, LatencyTable.Load(profile.TablePath).Milliseconds);
        Assert.True(profile.FloorMeasuredMs > 0);

        var options = SearchOptionsResolver.Resolve(space.Task, new SearchSettings
        {
            Layers = 1, Blocks = 2, Filters = 4, StemChannels = 8, Epochs = 2, Warmup = 1, StepsPerEpoch = 2, Batch = 2, Crop = 24,
            Data = "deadleaves:6x40", Threads = 2, Device = "cpu", LatencyTable = profile.TablePath, BudgetMs = 1e4,
        });

        // under the floor: refused naming the budget, and no run folder is made
        var under = options with { Latency = options.Latency! with { BudgetMs = profile.Floor.Milliseconds * 0.5 } };
        var refused = Assert.Throws<SettingException>(() => SearchPipeline.Run(under, Path.Combine(root, "under")));
        Assert.Equal("budget_ms", refused.Setting);
        Assert.Contains("below the cheapest network of this search space", refused.Message);
        Assert.False(Directory.Exists(Path.Combine(root, "under")));

        // a generous budget: searched, then measured here, and met
        var lines = new List<string>();
        var outcome = SearchPipeline.Run(options, Path.Combine(root, "run"), log: lines.Add);
        Assert.Contains(lines, l => l.StartsWith("cheapest network of this space:", StringComparison.Ordinal));
        Assert.NotNull(outcome.Latency);
        Assert.InRange(outcome.Latency!.MeasuredMs!.Value, 1e-3, 1e4);
        Assert.True(outcome.Latency.MeetsBudget);
        Assert.Equal(outcome.GenotypeFile, outcome.NetworkToTrain);
        Assert.Equal(outcome.Latency, RunFiles.ReadJson<BudgetReport>(Path.Combine(outcome.RunDir, BudgetReport.FileName)));
        Assert.StartsWith("the found network is measured at", outcome.Latency.Verdict());

        // the worker stage over the same run folder resumes the finished search and reports the same verdict
        var optionsFile = Path.Combine(root, "search-options.json");
        SearchOptionsJson.Save(options, optionsFile);
        var result = WorkerRunner.Run(WorkerStage.Search, optionsFile, outcome.RunDir);
        Assert.True(result.Succeeded);
        Assert.Equal(outcome.GenotypeFile, result.Outputs["genotype"]);
        Assert.StartsWith("the found network is measured at", result.Message);
        Assert.Equal(result, WorkerResult.TryLoad(outcome.RunDir)! with { Outputs = result.Outputs });
    }

    /// <summary>
    /// A single-path search on its table's machine measures networks in its budget's band first, and draws and ranks by
    /// the prediction times that calibration, which its run's options keep for a resumed search.
    /// </summary>
    [Fact]
    public void ASinglePathSearch_CalibratesItsBudgetByMeasuredNetworks_AndItsOptionsKeepTheCalibration()
    {
        var root = Directory.CreateTempSubdirectory("hinas-pipeline-tests").FullName;
        var space = new SupernetConfig { Task = RestorationTask.Denoise(25, 1), Layers = 2, Blocks = 2, Filters = 4, StemChannels = 8 };
        var profile = LatencyProfilePipeline.Run(space.Space, 48, 32, repeats: 3, Path.Combine(root, "table.json"));
        // The band is wide (0.05 of a budget twice the slowest prediction) because the calibration is measured here:
        // 48×32 parts timed alone carry per-run overheads a whole network pays once, and on some hosts the networks
        // measure 0.38× their prediction, so a band of 0.3 in measured terms starts above every network of the space.
        var predicted = Enumerable.Range(1, 200).Select(seed => NetworkLatency.Predict(RandomGenotype.Sample(space.Space, (ulong)seed), profile.Table)).Order().ToArray();
        var options = SearchOptionsResolver.Resolve(space.Task, new SearchSettings
        {
            Layers = 2, Blocks = 2, Filters = 4, StemChannels = 8, Epochs = 2, Warmup = 1, StepsPerEpoch = 2, Batch = 2, Crop = 24,
            Data = "deadleaves:6x40", Threads = 2, Device = "cpu", LatencyTable = profile.TablePath, BudgetMs = predicted[^1] * 2,
            SupernetTraining = "single-path", RankedNetworks = 4, BudgetBand = 0.05,
        });

        var lines = new List<string>();
        var outcome = SearchPipeline.Run(options, Path.Combine(root, "run"), log: lines.Add);

        var calibrated = SearchOptionsJson.Load(Path.Combine(outcome.RunDir, SearchRun.OptionsFile)).Latency!;
        Assert.NotNull(calibrated.Calibration);
        Assert.Contains(lines, l => l.StartsWith("latency calibration: ONNX Runtime measures", StringComparison.Ordinal)
            && l.EndsWith(FormattableString.Invariant($"the prediction × {calibrated.Calibration:0.###}"), StringComparison.Ordinal));
        Assert.Equal(options.Latency! with { Calibration = calibrated.Calibration }, calibrated);
        Assert.Contains(lines, l => l.Contains(", the table's predictions ×", StringComparison.Ordinal));
        var ranked = RunFiles.ReadJson<NetworkRanking.Ranking>(Path.Combine(outcome.RunDir, NetworkRanking.RankingFile)).Candidates;
        Assert.All(ranked.Where(c => c.Origin.StartsWith("drawn:", StringComparison.Ordinal)), c => Assert.True(calibrated.Admits(NetworkLatency.Predict(
            new Genotype(space.Space, c.Cells.Select(e => new CellGenotype(e)).ToArray(), c.WidthPath), profile.Table)), c.Origin));
    }
}
