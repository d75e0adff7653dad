using HiNas.Imaging.Tasks;
using HiNas.Nas.Latency;
using HiNas.Nas.Runs;
using HiNas.Nas.Settings;
using HiNas.Nas.Workers;

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
}
