using HiNas.Nas.Genotypes;
using HiNas.Nas.Runs;
using HiNas.Nas.Settings;
using HiNas.Nas.Workers;

namespace HiNas.Cli.Tests;

/// <summary>
/// The worker contract, `hinas run STAGE --options-file F --run DIR`: one options file, one run folder, and result.json
/// at the end — succeeded with what the stage produced, or failed with the error — which is how the Jobs service
/// learns the outcome.
/// </summary>
public sealed class RunCommandTests
{
    [Fact]
    public async Task SearchThenTrainThenExport_EachStageEndsWithItsResult()
    {
        var root = CliRunner.TempDir();
        var searchOptions = Path.Combine(root, "search-options.json");
        var print = await CliRunner.RunAsync(new[] { "search", "--task", "denoise", "--print-options" }.Concat(SearchCommandTests.Tiny).ToArray());
        Assert.True(print.ExitCode == 0, print.Stderr);
        File.WriteAllText(searchOptions, print.Stdout);

        var searchDir = Path.Combine(root, "search");
        var search = await CliRunner.RunAsync("run", "search", "--options-file", searchOptions, "--run", searchDir);
        Assert.True(search.ExitCode == 0, search.Stderr);
        var searched = WorkerResult.TryLoad(searchDir)!;
        Assert.True(searched.Succeeded);
        Assert.Equal(WorkerStage.Search, searched.Stage);
        Assert.Equal(Path.Combine(searchDir, SearchRun.GenotypeFile), searched.Outputs["genotype"]);
        var genotype = GenotypeJson.Load(searched.Outputs["network_to_train"]);

        var trainOptions = Path.Combine(root, "train-options.json");
        TrainOptionsJson.Save(TrainOptionsResolver.Resolve(genotype.Task, ArchitectureSpec.FromGenotype(genotype),
            new TrainSettings { Iterations = 6, Batch = 2, Crop = 24, ValidateEvery = 3, Data = "deadleaves:6x40", Threads = 2 }), trainOptions);
        var trainDir = Path.Combine(root, "train");
        var train = await CliRunner.RunAsync("run", "train", "--options-file", trainOptions, "--run", trainDir);
        Assert.True(train.ExitCode == 0, train.Stderr);
        var trained = WorkerResult.TryLoad(trainDir)!;
        Assert.True(trained.Succeeded);
        Assert.True(File.Exists(trained.Outputs["model"]));
        Assert.Contains("best validation PSNR", trained.Message);

        var exportOptions = Path.Combine(root, "export-options.json");
        new ExportOptions { Checkpoint = trainDir, Out = Path.Combine(root, "models", "run-model"), Id = "run-model" }.Save(exportOptions);
        var exportDir = Path.Combine(root, "export");
        var export = await CliRunner.RunAsync("run", "export", "--options-file", exportOptions, "--run", exportDir);
        Assert.True(export.ExitCode == 0, export.Stderr);
        var exported = WorkerResult.TryLoad(exportDir)!;
        Assert.True(exported.Succeeded);
        Assert.True(File.Exists(Path.Combine(exported.Outputs["package"], "model.onnx")));

        // the same export again: the package exists, so the stage fails — and says so in its result, not only on stderr
        var again = await CliRunner.RunAsync("run", "export", "--options-file", exportOptions, "--run", exportDir);
        Assert.NotEqual(0, again.ExitCode);
        var failed = WorkerResult.TryLoad(exportDir)!;
        Assert.False(failed.Succeeded);
        Assert.Equal(WorkerStage.Export, failed.Stage);
        Assert.Contains("run-model", failed.Error);
        Assert.Empty(failed.Outputs);
    }

    [Fact]
    public async Task BadOptions_FailWithAResultNamingTheSetting()
    {
        var root = CliRunner.TempDir();
        var options = Path.Combine(root, "options.json");
        File.WriteAllText(options, "{\"checkpoint\": \"/nowhere\", \"out\": \"\"}");
        var run = await CliRunner.RunAsync("run", "export", "--options-file", options, "--run", Path.Combine(root, "export"));
        Assert.Equal(2, run.ExitCode); // a wrong setting, like a wrong command line
        var result = WorkerResult.TryLoad(Path.Combine(root, "export"))!;
        Assert.False(result.Succeeded);
        Assert.Equal("out: is empty", result.Error);
        Assert.Contains("hinas: error: out: is empty", run.Stderr);

        var missing = await CliRunner.RunAsync("run", "search", "--options-file", Path.Combine(root, "none.json"), "--run", Path.Combine(root, "search"));
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("none.json", WorkerResult.TryLoad(Path.Combine(root, "search"))!.Error);

        var stage = await CliRunner.RunAsync("run", "deploy", "--options-file", options, "--run", Path.Combine(root, "x"));
        Assert.Equal(2, stage.ExitCode);
        Assert.False(Directory.Exists(Path.Combine(root, "x")));
    }
}
