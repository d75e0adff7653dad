using System.Text.Json;
using HiNas.Imaging.Datasets;
using HiNas.Imaging.IO;
using HiNas.Search.Training;
using HiNas.Nas.Runs;
using HiNas.Nas.Settings;

namespace HiNas.Cli.Tests;

public class TrainEvalCommandTests
{
    private static readonly string[] Tiny =
    {
        "--iterations", "30", "--batch", "4", "--crop", "24", "--validate-every", "15", "--data", "deadleaves:6x48", "--threads", "2", "--lr", "0.002",
    };

    private static string TestImages(string root)
    {
        var dir = Path.Combine(root, "test");
        var generator = new DeadLeavesGenerator();
        ImageFile.SavePng(generator.Generate(40, 36, 3, 71), Path.Combine(dir, "one.png"));
        ImageFile.SavePng(generator.Generate(33, 45, 3, 72), Path.Combine(dir, "two.png"));
        return dir;
    }

    [Fact]
    public async Task ARandomGenotype_IsDrawnFromTheSpaceASearchWouldSearch_PresetIncluded_AndSpaceOptionsAreRefusedElsewhere()
    {
        var task = new[] { "--task", "denoise", "--sigma", "25", "--channels", "3" };
        async Task<JsonElement> Printed(params string[] args)
        {
            var result = await CliRunner.RunAsync(new[] { "train" }.Concat(task).Concat(args).Append("--print-options").ToArray());
            Assert.True(result.ExitCode == 0, result.Stderr);
            return JsonSerializer.Deserialize<JsonElement>(result.Stdout).GetProperty("architecture").GetProperty("genotype");
        }
        var searched = JsonSerializer.Deserialize<JsonElement>((await CliRunner.RunAsync(new[] { "search", "--preset", "frame-time-denoise-fused", "--print-options" }.Concat(task).ToArray())).Stdout);
        var drawn = await Printed("--arch", "random:3", "--preset", "frame-time-denoise-fused");
        foreach (var field in new[] { "layers", "blocks", "filters", "width_factors", "stem_channels", "pixel_unshuffle", "dilated_convs", "cell_form", "operations" })
            Assert.Equal(JsonSerializer.Serialize(searched.GetProperty(field)), JsonSerializer.Serialize(drawn.GetProperty(field)));
        Assert.Equal((5, 48, 2, "fused"), (drawn.GetProperty("layers").GetInt32(), drawn.GetProperty("filters").GetInt32(), drawn.GetProperty("pixel_unshuffle").GetInt32(), drawn.GetProperty("cell_form").GetString()));
        var edges = drawn.GetProperty("cells").EnumerateArray().SelectMany(c => c.EnumerateArray()).Select(e => e[0].GetString()).ToArray();
        Assert.All(edges, op => Assert.Contains(op, new[] { "conv_3x3", "dil_conv_3x3", "none" }));
        // explicit options apply on top of the preset, as in hinas search
        Assert.Equal(3, (await Printed("--arch", "random:3", "--preset", "frame-time-denoise-fused", "--layers", "3")).GetProperty("layers").GetInt32());

        // where no genotype is drawn, an option of the space is refused by name
        var genotype = Path.Combine(CliRunner.TempDir(), "genotype.json");
        File.WriteAllText(genotype, drawn.GetRawText());
        foreach (var (args, words) in new[]
        {
            (new[] { "--arch", "dncnn", "--layers", "3" }, "--layers describes the space a random genotype is drawn from"),
            (new[] { "--arch", "ffdnet", "--preset", "frame-time-denoise-fused" }, "--preset describes the space a random genotype is drawn from"),
            (new[] { "--genotype", genotype, "--cell-form", "paper" }, "--cell-form describes the space a random genotype is drawn from"),
        })
        {
            var refused = await CliRunner.RunAsync(new[] { "train" }.Concat(task).Concat(args).Append("--print-options").ToArray());
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Contains(words, refused.Stderr);
        }
    }

    [Fact]
    public async Task TrainThenEvalReportsAboveTheInputAndRepeats()
    {
        var root = CliRunner.TempDir();
        var trainDir = Path.Combine(root, "dn");
        var train = await CliRunner.RunAsync(new[] { "train", "--arch", "dncnn", "--depth", "4", "--width", "12", "--task", "denoise", "--sigma", "30", "--out", trainDir }.Concat(Tiny).ToArray());
        Assert.True(train.ExitCode == 0, train.Stderr);
        Assert.Contains("val PSNR", train.Stdout);
        Assert.True(File.Exists(Path.Combine(trainDir, TrainRun.BestModelFile)));

        var data = TestImages(root);
        var outputs = Path.Combine(root, "restored");
        var first = await CliRunner.RunAsync("eval", "--checkpoint", trainDir, "--data", data, "--json", "--save-outputs", outputs);
        var second = await CliRunner.RunAsync("eval", "--checkpoint", trainDir, "--data", data, "--json");

        Assert.True(first.ExitCode == 0, first.Stderr);
        using var a = JsonDocument.Parse(first.Stdout);
        using var b = JsonDocument.Parse(second.Stdout);
        var psnr = a.RootElement.GetProperty("psnr").GetDouble();
        var input = a.RootElement.GetProperty("input_psnr").GetDouble();
        Assert.True(psnr > input, $"PSNR {psnr:F2} ≤ noisy input {input:F2}");
        Assert.Equal(2, a.RootElement.GetProperty("images").GetInt32());
        Assert.True(a.RootElement.GetProperty("params").GetInt64() > 0);
        Assert.Equal(2, a.RootElement.GetProperty("rows").GetArrayLength());
        Assert.Equal(psnr, b.RootElement.GetProperty("psnr").GetDouble());
        Assert.Equal(a.RootElement.GetProperty("ssim").GetDouble(), b.RootElement.GetProperty("ssim").GetDouble());
        Assert.Equal(2, Directory.GetFiles(outputs).Length);
        Assert.Equal(1, ImageFile.Load(Directory.GetFiles(outputs)[0]).Channels);
    }

    [Fact]
    public async Task GenotypeFromSearchTrainsOnItsOwnTask()
    {
        var root = CliRunner.TempDir();
        var run = Path.Combine(root, "search");
        var search = await CliRunner.RunAsync("search", "--task", "sr", "--scale", "2", "--layers", "2", "--blocks", "2", "--filters", "4",
            "--stem-channels", "8", "--epochs", "1", "--warmup", "0", "--steps-per-epoch", "2", "--batch", "2", "--crop", "24", "--data", "deadleaves:6x40", "--out", run);
        Assert.True(search.ExitCode == 0, search.Stderr);

        var trainDir = Path.Combine(root, "train");
        var train = await CliRunner.RunAsync(new[] { "train", "--genotype", Path.Combine(run, "genotype.json"), "--out", trainDir, "--json" }.Concat(Tiny).ToArray());
        Assert.True(train.ExitCode == 0, train.Stderr);
        using var json = JsonDocument.Parse(train.Stdout);
        // retrained as the official code does: twice the search's F 4, ending in the decoder
        var network = json.RootElement.GetProperty("summary").GetProperty("network").GetString();
        Assert.StartsWith("HiNAS L2 B2 F8", network);
        Assert.EndsWith("dense dilations, decoder head", network);

        var mismatch = await CliRunner.RunAsync("train", "--genotype", Path.Combine(run, "genotype.json"), "--task", "sr", "--scale", "4", "--out", Path.Combine(root, "x"));
        Assert.Equal(2, mismatch.ExitCode);
        Assert.Contains("searched for sr-x2-rgb", mismatch.Stderr);
        var wrongScale = await CliRunner.RunAsync("eval", "--checkpoint", trainDir, "--data", TestImages(root), "--task", "sr", "--scale", "3");
        Assert.Contains("×2", wrongScale.Stderr);
    }

    [Fact]
    public async Task InitFrom_FineTunesTheRunsNetworkWithItsSettings_ReplacingOnlyTheGivenOnes()
    {
        var root = CliRunner.TempDir();
        var source = Path.Combine(root, "source");
        var train = await CliRunner.RunAsync(new[] { "train", "--arch", "dncnn", "--depth", "3", "--width", "8", "--task", "denoise", "--sigma", "30",
            "--sigma-range", "0:50", "--noise-map", "--pixel-loss", "log-mse", "--out", source }.Concat(Tiny).ToArray());
        Assert.True(train.ExitCode == 0, train.Stderr);

        var printed = await CliRunner.RunAsync("train", "--init-from", source, "--crop", "32", "--iterations", "12", "--print-options");
        Assert.True(printed.ExitCode == 0, printed.Stderr);
        var tuned = JsonSerializer.Deserialize<JsonElement>(printed.Stdout);
        var original = JsonSerializer.Deserialize<JsonElement>(File.ReadAllText(Path.Combine(source, TrainRun.OptionsFile)));
        Assert.Equal(source, tuned.GetProperty("init_from").GetString());
        Assert.Equal((32, 12), (tuned.GetProperty("crop").GetInt32(), tuned.GetProperty("iterations").GetInt32()));
        Assert.Equal(12, tuned.GetProperty("validate_every").GetInt32()); // at most the run's length
        foreach (var kept in new[] { "task", "architecture", "data", "batch", "learning_rate", "noise_sigma_range", "noise_map", "pixel_loss", "seed" })
            Assert.Equal(original.GetProperty(kept).GetRawText(), tuned.GetProperty(kept).GetRawText());
        Assert.False(original.TryGetProperty("init_from", out _));

        var data = TestImages(root);
        var elsewhere = await CliRunner.RunAsync("train", "--init-from", source, "--data", data, "--lr", "0.0005", "--print-options");
        Assert.True(elsewhere.ExitCode == 0, elsewhere.Stderr);
        var other = JsonSerializer.Deserialize<JsonElement>(elsewhere.Stdout);
        Assert.Equal((data, 0.0005, 1e-5), (other.GetProperty("data").GetString(), other.GetProperty("learning_rate").GetDouble(), other.GetProperty("learning_rate_min").GetDouble()));

        // what would change the network is refused, named
        foreach (var (args, words) in new[]
        {
            (new[] { "--width-multiplier", "2" }, "give no width multiplier, head or convolution expansion"),
            (new[] { "--head", "light" }, "give no width multiplier, head or convolution expansion"),
            (new[] { "--conv-expansion", "2" }, "give no width multiplier, head or convolution expansion"),
            (new[] { "--arch", "dncnn" }, "do not combine it with --genotype, --arch"),
            (new[] { "--task", "sr" }, "do not combine it with --genotype, --arch"),
            (new[] { "--depth", "5" }, "do not combine it with --genotype, --arch"),
        })
        {
            var refused = await CliRunner.RunAsync(new[] { "train", "--init-from", source, "--out", Path.Combine(root, "refused") }.Concat(args).ToArray());
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Contains(words, refused.Stderr);
            Assert.False(Directory.Exists(Path.Combine(root, "refused")));
        }
        var resumeToo = await CliRunner.RunAsync("train", "--resume", source, "--init-from", source);
        Assert.Contains("do not combine it with --out, --genotype, --arch or --init-from", resumeToo.Stderr);

        var tunedDir = Path.Combine(root, "tuned");
        var run = await CliRunner.RunAsync("train", "--init-from", source, "--iterations", "4", "--validate-every", "2", "--out", tunedDir, "--json");
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Equal(source, JsonSerializer.Deserialize<JsonElement>(File.ReadAllText(Path.Combine(tunedDir, TrainRun.OptionsFile))).GetProperty("init_from").GetString());
    }

    [Theory]
    [InlineData("train", "--init-from", "{dir}/none", "--out", "{dir}/r")]
    [InlineData("train", "--init-from", "{dir}", "--out", "{dir}/r")]
    [InlineData("train", "--task", "denoise", "--out", "{dir}/r")]
    [InlineData("train", "--arch", "dncnn", "--genotype", "{dir}/g.json", "--task", "denoise", "--out", "{dir}/r")]
    [InlineData("train", "--arch", "espcn", "--task", "denoise", "--out", "{dir}/r")]
    [InlineData("train", "--arch", "dncnn", "--task", "sr", "--out", "{dir}/r")]
    [InlineData("train", "--arch", "random:x", "--task", "denoise", "--out", "{dir}/r")]
    [InlineData("train", "--arch", "vgg", "--task", "denoise", "--out", "{dir}/r")]
    [InlineData("train", "--genotype", "{dir}/missing.json", "--out", "{dir}/r")]
    [InlineData("train", "--genotype", "{dir}/bad.json", "--out", "{dir}/r")]
    [InlineData("train", "--arch", "dncnn", "--task", "denoise", "--iterations", "0", "--out", "{dir}/r")]
    [InlineData("train", "--arch", "dncnn", "--task", "denoise", "--data", "{dir}/none", "--out", "{dir}/r")]
    [InlineData("train", "--arch", "dncnn", "--task", "denoise")]
    [InlineData("train", "--resume", "{dir}/none")]
    [InlineData("eval", "--checkpoint", "{dir}/none", "--data", "{dir}")]
    [InlineData("eval", "--data", "{dir}")]
    [InlineData("eval", "--checkpoint", "{dir}")]
    public async Task BadTrainAndEvalInvocationsFailWithOneLine(params string[] template)
    {
        var dir = CliRunner.TempDir();
        File.WriteAllText(Path.Combine(dir, "bad.json"), "{ not json");
        var result = await CliRunner.RunAsync(template.Select(a => a.Replace("{dir}", dir)).ToArray());
        Assert.NotEqual(0, result.ExitCode);
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("hinas: error: ", lines[0]);
        Assert.False(Directory.Exists(Path.Combine(dir, "r")), "a failed command left a half-made run folder");
    }
}
