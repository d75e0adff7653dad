using System.Text.Json;
using HiNas.Imaging.Datasets;
using HiNas.Imaging.IO;
using HiNas.Imaging.Tasks;
using HiNas.Inference.Packages;

namespace HiNas.Cli.Tests;

public class ExportRestoreCommandTests
{
    private static async Task<string> TrainTinySr(string root)
    {
        var trainDir = Path.Combine(root, "train");
        var train = await CliRunner.RunAsync("train", "--arch", "random:2", "--task", "sr", "--scale", "2", "--layers", "2", "--blocks", "2", "--filters", "4",
            "--iterations", "20", "--batch", "4", "--crop", "24", "--validate-every", "10", "--data", "deadleaves:6x48", "--out", trainDir);
        Assert.True(train.ExitCode == 0, train.Stderr);
        return trainDir;
    }

    [Fact]
    public async Task ExportedModelEvaluatesLikeItsCheckpointAndRestoresImages()
    {
        var root = CliRunner.TempDir();
        var trainDir = await TrainTinySr(root);
        var repository = Path.Combine(root, "models");

        var export = await CliRunner.RunAsync("export", "--checkpoint", trainDir, "--out", Path.Combine(repository, "tiny-sr"), "--id", "tiny-sr");
        Assert.True(export.ExitCode == 0, export.Stderr);
        Assert.Contains("parity: max |ONNX Runtime − TorchSharp| =", export.Stdout);

        var data = Path.Combine(root, "test");
        ImageFile.SavePng(new DeadLeavesGenerator().Generate(48, 40, 3, 5), Path.Combine(data, "a.png"));
        ImageFile.SavePng(new DeadLeavesGenerator().Generate(35, 51, 3, 6), Path.Combine(data, "b.png"));
        var torch = await CliRunner.RunAsync("eval", "--checkpoint", trainDir, "--data", data, "--json");
        var onnx = await CliRunner.RunAsync("eval", "--model", "tiny-sr", "--repository", repository, "--data", data, "--json");
        Assert.True(onnx.ExitCode == 0, onnx.Stderr);
        using var a = JsonDocument.Parse(torch.Stdout);
        using var b = JsonDocument.Parse(onnx.Stdout);
        Assert.Equal(a.RootElement.GetProperty("psnr").GetDouble(), b.RootElement.GetProperty("psnr").GetDouble(), 2);
        Assert.Equal(a.RootElement.GetProperty("params").GetInt64(), b.RootElement.GetProperty("params").GetInt64());
        Assert.StartsWith("ONNX Runtime", b.RootElement.GetProperty("runtime").GetString());

        var restored = Path.Combine(root, "up.png");
        var restore = await CliRunner.RunAsync("restore", Path.Combine(data, "b.png"), restored, "--model", Path.Combine(repository, "tiny-sr"));
        Assert.True(restore.ExitCode == 0, restore.Stderr);
        var image = ImageFile.Load(restored);
        Assert.Equal((70, 102), (image.Width, image.Height));

        // a folder: every image restored into a PNG of the same name, byte-identical to restoring it alone
        var folder = Path.Combine(root, "restored");
        var all = await CliRunner.RunAsync("restore", data, folder, "--model", Path.Combine(repository, "tiny-sr"));
        Assert.True(all.ExitCode == 0, all.Stderr);
        Assert.Contains("restored 2 images; median", all.Stdout);
        Assert.Equal(new[] { "a.png", "b.png" }, Directory.GetFiles(folder).Select(Path.GetFileName).Order());
        Assert.Equal(File.ReadAllBytes(restored), File.ReadAllBytes(Path.Combine(folder, "b.png")));

        var again = await CliRunner.RunAsync("export", "--checkpoint", trainDir, "--out", Path.Combine(repository, "tiny-sr"));
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("already exists", again.Stderr);
    }

    [Fact]
    public async Task EvalOfAPackageAtAnotherSigma_MeasuresAtThatSigma()
    {
        var root = CliRunner.TempDir();
        var trainDir = Path.Combine(root, "train");
        var train = await CliRunner.RunAsync("train", "--arch", "dncnn", "--task", "denoise", "--depth", "2", "--width", "4",
            "--iterations", "4", "--batch", "2", "--crop", "24", "--validate-every", "4", "--data", "deadleaves:4x48", "--out", trainDir);
        Assert.True(train.ExitCode == 0, train.Stderr);
        var package = Path.Combine(root, "dn");
        Assert.Equal(0, (await CliRunner.RunAsync("export", "--checkpoint", trainDir, "--out", package)).ExitCode);
        var data = Path.Combine(root, "test");
        ImageFile.SavePng(new DeadLeavesGenerator().Generate(40, 32, 1, 5), Path.Combine(data, "a.png"));

        async Task<JsonElement> Eval(params string[] extra)
        {
            var result = await CliRunner.RunAsync(new[] { "eval", "--model", package, "--data", data, "--json" }.Concat(extra).ToArray());
            Assert.True(result.ExitCode == 0, result.Stderr);
            return JsonDocument.Parse(result.Stdout).RootElement.Clone();
        }
        var (own, at15, at50) = (await Eval(), await Eval("--sigma", "15"), await Eval("--sigma", "50"));
        Assert.Equal(("denoise-s25-gray", "denoise-s15-gray", "denoise-s50-gray"),
            (own.GetProperty("task").GetString(), at15.GetProperty("task").GetString(), at50.GetProperty("task").GetString()));
        Assert.True(at50.GetProperty("input_psnr").GetDouble() < own.GetProperty("input_psnr").GetDouble() - 5);
        Assert.NotEqual(0, (await CliRunner.RunAsync("eval", "--model", package, "--data", data, "--scale", "2")).ExitCode);
    }

    [Fact]
    public async Task ADenoiserToldTheNoise_IsTrainedExportedAndGivenEachSigma_ByEvalAndRestore()
    {
        var root = CliRunner.TempDir();
        var trainDir = Path.Combine(root, "train");
        // trained long enough for σ to move its output (a run starts as the identity restoration)
        var train = await CliRunner.RunAsync("train", "--arch", "random:2", "--task", "denoise", "--layers", "1", "--blocks", "2", "--filters", "4",
            "--noise-map", "--sigma-range", "0:50", "--iterations", "30", "--lr", "5e-3", "--batch", "2", "--crop", "24", "--validate-every", "30", "--data", "deadleaves:4x64", "--out", trainDir);
        Assert.True(train.ExitCode == 0, train.Stderr);
        var package = Path.Combine(root, "told");
        var export = await CliRunner.RunAsync("export", "--checkpoint", trainDir, "--out", package);
        Assert.True(export.ExitCode == 0, export.Stderr);
        var manifest = ModelPackage.Load(package).Manifest;
        Assert.Equal("noise_level", manifest.NoiseLevelInput);
        Assert.Equal(new[] { 0.0, 50.0 }, manifest.SigmaRange);
        Assert.Contains("noise-level map", manifest.Architecture);
        var int8Package = Path.Combine(root, "int8"); // (int8 calibration crops are 64 pixels)
        var int8 = await CliRunner.RunAsync("export", "--checkpoint", trainDir, "--out", int8Package, "--int8", "--int8-tuning-steps", "2", "--int8-sigma-bands", "25", "--int8-tolerance-db", "5");
        Assert.True(int8.ExitCode == 0, int8.Stderr);
        var int8Manifest = ModelPackage.Load(int8Package).Manifest;
        Assert.Equal((ModelPrecision.Int8, "noise_level"), (int8Manifest.Precision, int8Manifest.NoiseLevelInput));
        Assert.Matches(@"best after \d+ / \d+ tuning steps\)", int8.Stdout); // one kept step per σ band: σ 0–25 and 25–50
        Assert.Equal(2, int8Manifest.Metrics!["int8_sigma_bands"]);

        // eval tells both runtimes the evaluation's σ: the package (ONNX Runtime) and the training run (TorchSharp) agree at it
        var data = Path.Combine(root, "test");
        ImageFile.SavePng(new DeadLeavesGenerator().Generate(40, 32, 1, 5), Path.Combine(data, "a.png"));
        async Task<double> Psnr(string what, string subject, string sigma)
        {
            var result = await CliRunner.RunAsync("eval", what, subject, "--data", data, "--sigma", sigma, "--json");
            Assert.True(result.ExitCode == 0, result.Stderr);
            return JsonDocument.Parse(result.Stdout).RootElement.GetProperty("psnr").GetDouble();
        }
        foreach (var sigma in new[] { "10", "45" })
            Assert.Equal(await Psnr("--checkpoint", trainDir, sigma), await Psnr("--model", package, sigma), 3);

        // restore gives the σ asked for; outside the model's range it is refused
        var image = Path.Combine(data, "a.png");
        var (low, high) = (Path.Combine(root, "low.png"), Path.Combine(root, "high.png"));
        Assert.Equal(0, (await CliRunner.RunAsync("restore", image, low, "--model", package, "--sigma", "5")).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync("restore", image, high, "--model", package, "--sigma", "50")).ExitCode);
        Assert.NotEqual(File.ReadAllBytes(low), File.ReadAllBytes(high));
        // and so does its int8 graph
        Assert.Equal(0, (await CliRunner.RunAsync("restore", image, low, "--model", int8Package, "--sigma", "5")).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync("restore", image, high, "--model", int8Package, "--sigma", "50")).ExitCode);
        Assert.NotEqual(File.ReadAllBytes(low), File.ReadAllBytes(high));
        var outside = await CliRunner.RunAsync("restore", image, high, "--model", package, "--sigma", "80");
        Assert.Equal(2, outside.ExitCode);
        Assert.Contains("--sigma 80 is outside [0, 50], the σ range of model", outside.Stderr);
    }

    [Fact]
    public async Task BrokenPackagesAndUnknownIdsGiveOneLineErrors()
    {
        var root = CliRunner.TempDir();
        var trainDir = await TrainTinySr(root);
        var repository = Path.Combine(root, "models");
        await CliRunner.RunAsync("export", "--checkpoint", trainDir, "--out", Path.Combine(repository, "m"), "--id", "m");
        var image = Path.Combine(root, "in.png");
        ImageFile.SavePng(new DeadLeavesGenerator().Generate(20, 20, 3, 1), image);
        File.WriteAllText(Path.Combine(repository, "m", ModelPackage.ModelFile), "garbage");

        foreach (var args in new[]
        {
            new[] { "restore", image, Path.Combine(root, "o.png"), "--model", "m", "--repository", repository },
            new[] { "restore", image, Path.Combine(root, "o.png"), "--model", "other", "--repository", repository },
            new[] { "restore", image, Path.Combine(root, "o.png"), "--model", Path.Combine(root, "nowhere") },
            new[] { "restore", Path.Combine(root, "no-such-image.png"), Path.Combine(root, "o.png"), "--model", "m", "--repository", repository },
            new[] { "restore", root, image, "--model", "m", "--repository", repository },
            new[] { "export", "--checkpoint", Path.Combine(root, "nowhere"), "--out", Path.Combine(root, "x") },
            new[] { "export", "--checkpoint", trainDir, "--out", Path.Combine(root, "x"), "--id", "Bad Id" },
            new[] { "export", "--checkpoint", trainDir, "--out", Path.Combine(root, "x"), "--int8-tuning-steps", "5" },
            new[] { "export", "--checkpoint", trainDir, "--out", Path.Combine(root, "x"), "--int8-learning-rate", "1e-4" },
            new[] { "export", "--checkpoint", trainDir, "--out", Path.Combine(root, "x"), "--int8", "--int8-learning-rate", "0" },
            new[] { "export", "--checkpoint", trainDir, "--out", Path.Combine(root, "x"), "--int8-range-learning-rate", "1e-3" },
            new[] { "export", "--checkpoint", trainDir, "--out", Path.Combine(root, "x"), "--int8", "--int8-range-learning-rate", "-1" },
            new[] { "export", "--checkpoint", trainDir, "--out", Path.Combine(root, "x"), "--int8", "--int8-float-tail", "last" },
            new[] { "export", "--checkpoint", trainDir, "--out", Path.Combine(root, "x"), "--int8-float-head", "1" },
            new[] { "export", "--checkpoint", trainDir, "--out", Path.Combine(root, "x"), "--int8", "--int8-float-head", "-1" },
            new[] { "export", "--checkpoint", trainDir, "--out", Path.Combine(root, "x"), "--int8", "--int8-tolerance-db", "-1" },
            new[] { "export", "--checkpoint", trainDir, "--out", Path.Combine(root, "x"), "--int8-schedule", "constant" },
            new[] { "export", "--checkpoint", trainDir, "--out", Path.Combine(root, "x"), "--int8", "--int8-schedule", "linear" },
            new[] { "export", "--checkpoint", trainDir, "--out", Path.Combine(root, "x"), "--int8", "--int8-batch", "0" },
            new[] { "eval", "--model", "m", "--checkpoint", trainDir, "--data", root },
        })
        {
            var result = await CliRunner.RunAsync(args);
            Assert.NotEqual(0, result.ExitCode);
            Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("hinas: error: ", result.Stderr);
        }
        Assert.False(Directory.Exists(Path.Combine(root, "x")));
    }
}
