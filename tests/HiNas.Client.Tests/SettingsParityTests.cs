using Grpc.Core;
using HiNas.Cli.Infrastructure;
using HiNas.Server.Jobs;

namespace HiNas.Client.Tests;

/// <summary>
/// One resolver per settings record: the same settings given to `hinas search`/`hinas train` and to the Jobs service
/// (through `hinas jobs search|train`, which only maps flags onto the request) give byte-identical options.json, and the
/// same mistake the same setting named with the same words. The server runs no job here (HiNas:Jobs:Enabled = false):
/// what it resolved is the job folder's options file.
/// </summary>
public sealed class SettingsParityTests
{
    // The server's workers run with 2 threads on the CPU (LoopbackServer's configuration); the local CLI is told the same.
    private static readonly string[] LocalRuntime = { "--threads", "2", "--device", "cpu" };

    public static TheoryData<string[]> SearchSettings() => new()
    {
        new[] { "--task", "denoise" },
        new[] { "--task", "denoise", "--sigma", "50", "--channels", "3", "--layers", "2", "--blocks", "2", "--filters", "6", "--stem-channels", "8",
            "--epochs", "3", "--steps-per-epoch", "5", "--batch", "2", "--crop", "48", "--seed", "7", "--skip-dropout", "0.2", "--operation-dropout", "0.3", "--data", "deadleaves:16x64" },
        new[] { "--task", "sr", "--scale", "4", "--preset", "paper-sr", "--epochs", "4" },
        new[] { "--task", "sr", "--scale", "4", "--channels", "1", "--tie-cells", "--no-cell-sharing", "--warmup", "0" },
        new[] { "--preset", "paper-denoise", "--task", "denoise", "--sigma", "15" },
        new[] { "--task", "denoise", "--dilated-convs", "separable", "--arch-learning-rate", "0.005", "--arch-weight-decay", "0.0001" },
        new[] { "--task", "denoise", "--channels", "3", "--preset", "frame-time-denoise", "--weight-optimizer", "adam", "--pixel-loss", "log-mse", "--supernet-training", "single-path", "--ranked-networks", "12", "--single-path-steps-per-epoch", "90" },
        new[] { "--task", "denoise", "--channels", "3", "--preset", "frame-time-denoise", "--cell-form", "fused", "--width-factors", "1,2,3", "--blocks", "1", "--layers", "6" },
        new[] { "--task", "sr", "--scale", "4", "--channels", "3", "--preset", "frame-time-sr-input", "--layers", "4" },
    };

    [Theory]
    [MemberData(nameof(SearchSettings))]
    public async Task SearchSettings_ResolveToTheSameOptionsJson_LocallyAndAsAJob(string[] settings)
    {
        await using var server = await StartServerAsync();
        var local = await Hinas(new[] { "search", "--print-options" }.Concat(settings).Concat(LocalRuntime).ToArray());
        Assert.True(local.Code == 0, local.Err);
        var id = await StartJob(server, new[] { "jobs", "search" }.Concat(settings).ToArray());
        var remote = await File.ReadAllTextAsync(Path.Combine(server.StateFolder, "jobs", id, JobFiles.SearchOptionsFile));
        Assert.Equal(remote + Environment.NewLine, local.Out);
        // both sides carry the newest settings (not both dropping them)
        if (settings.Contains("--single-path-steps-per-epoch")) Assert.Contains("\"single_path_steps_per_epoch\": 90", remote);
        if (settings.Contains("--ranked-networks")) Assert.Contains("\"ranked_networks\": 12", remote);
        if (settings.Contains("--cell-form")) Assert.Contains("\"cell_form\": \"fused\"", remote);
    }

    [Fact]
    public async Task ADataFolder_ResolvesToTheSameOptionsJson_LocallyAndAsAJob()
    {
        await using var server = await StartServerAsync();
        var data = Directory.CreateDirectory(Path.Combine(server.StateFolder, "data", "photos")).FullName;
        var settings = new[] { "--task", "denoise", "--data", data };
        var local = await Hinas(new[] { "search", "--print-options" }.Concat(settings).Concat(LocalRuntime).ToArray());
        Assert.True(local.Code == 0, local.Err);
        var id = await StartJob(server, new[] { "jobs", "search" }.Concat(settings).ToArray());
        var remote = await File.ReadAllTextAsync(Path.Combine(server.StateFolder, "jobs", id, JobFiles.SearchOptionsFile));
        Assert.Equal(remote + Environment.NewLine, local.Out);
        Assert.Contains($"\"data\": \"{data}\"", remote);
    }

    public static TheoryData<string[]> TrainSettings() => new()
    {
        new[] { "--task", "denoise", "--arch", "dncnn" },
        new[] { "--task", "denoise", "--channels", "3", "--arch", "dncnn", "--depth", "5", "--width", "16", "--iterations", "300", "--batch", "4",
            "--crop", "40", "--lr", "0.002", "--schedule", "poly", "--sigma-range", "0:50", "--noise-map", "--seed", "3", "--data", "deadleaves:8x48" },
        new[] { "--task", "sr", "--scale", "3", "--arch", "espcn", "--iterations", "50" },
        new[] { "--task", "sr", "--arch", "random:5", "--validate-every", "7" },
        new[] { "--task", "denoise", "--arch", "random:2", "--width-multiplier", "1.5", "--head", "light" },
    };

    [Theory]
    [MemberData(nameof(TrainSettings))]
    public async Task TrainSettings_ResolveToTheSameOptionsJson_LocallyAndAsAJob(string[] settings)
    {
        await using var server = await StartServerAsync();
        var local = await Hinas(new[] { "train", "--print-options" }.Concat(settings).Concat(LocalRuntime).ToArray());
        Assert.True(local.Code == 0, local.Err);
        var id = await StartJob(server, new[] { "jobs", "train" }.Concat(settings).ToArray());
        var remote = await File.ReadAllTextAsync(Path.Combine(server.StateFolder, "jobs", id, JobFiles.TrainOptionsFile));
        Assert.Equal(remote + Environment.NewLine, local.Out);
    }

    /// <summary>A fused network's expanded training reaches the job's options as the local run's (a genotype file: the task and space are its own).</summary>
    [Fact]
    public async Task AnExpandedTraining_ResolvesToTheSameOptionsJson_LocallyAndAsAJob()
    {
        await using var server = await StartServerAsync();
        var task = HiNas.Imaging.Tasks.RestorationTask.Denoise(25, 3);
        var space = HiNas.Nas.Settings.SearchOptionsResolver.Resolve(task, new HiNas.Nas.Settings.SearchSettings { Preset = "frame-time-denoise-fused" }).Supernet.Space;
        var file = Path.Combine(server.StateFolder, "fused-genotype.json");
        await File.WriteAllTextAsync(file, HiNas.Nas.Genotypes.GenotypeJson.Serialize(HiNas.Nas.Genotypes.RandomGenotype.Sample(space, 3)));
        var settings = new[] { "--genotype", file, "--conv-expansion", "4", "--iterations", "20" };
        var local = await Hinas(new[] { "train", "--print-options" }.Concat(settings).Concat(LocalRuntime).ToArray());
        Assert.True(local.Code == 0, local.Err);
        var id = await StartJob(server, new[] { "jobs", "train" }.Concat(settings).ToArray());
        var remote = await File.ReadAllTextAsync(Path.Combine(server.StateFolder, "jobs", id, JobFiles.TrainOptionsFile));
        Assert.Equal(remote + Environment.NewLine, local.Out);
        Assert.Contains("\"conv_expansion\": 4", remote);
    }

    public static TheoryData<string, string[], string> Mistakes() => new()
    {
        { "search", new[] { "--task", "denoise", "--epochs", "0" }, "epochs: must be in [1, 10000], got 0" },
        { "search", new[] { "--task", "sr", "--scale", "3", "--crop", "32" }, "crop: must be a multiple of the scale ×3, got 32" },
        { "search", new[] { "--task", "denoise", "--epochs", "4", "--warmup", "5" }, "warmup: must be in [0, 4] (the epochs), got 5" },
        { "search", new[] { "--task", "denoise", "--preset", "paper-sr" }, "preset: 'paper-sr' does not fit the task denoise-s25-gray" },
        { "search", new[] { "--task", "denoise", "--skip-dropout", "1" }, "skip_dropout: must be in [0, 1), got 1" },
        { "search", new[] { "--task", "denoise", "--operation-dropout", "1" }, "operation_dropout: must be in [0, 1), got 1" },
        { "search", new[] { "--task", "denoise", "--layers", "65" }, "layers: must be in [1, 64], got 65" },
        { "search", new[] { "--task", "denoise", "--data", "deadleaves:1x8" }, "data: 'deadleaves:1x8' must be deadleaves or deadleaves:COUNTxSIZE" },
        { "train", new[] { "--task", "denoise", "--arch", "dncnn", "--batch", "0" }, "batch: must be in [1, 1024], got 0" },
        { "train", new[] { "--task", "sr", "--arch", "dncnn" }, "architecture: dncnn is a denoiser; for super-resolution use espcn or fsrcnn" },
        { "train", new[] { "--task", "denoise", "--arch", "random:x" }, "architecture: 'random:x': the random seed must be a non-negative integer" },
        { "train", new[] { "--task", "sr", "--arch", "espcn", "--sigma-range", "0:50" }, "sigma_range: is for denoising" },
        { "train", new[] { "--task", "sr", "--arch", "espcn", "--noise-map" }, "noise_map: is for denoising" },
        { "train", new[] { "--task", "denoise", "--arch", "dncnn", "--noise-map" }, "noise_map: needs sigma_range (MIN:MAX): a denoiser told the noise serves a range of σ" },
        { "train", new[] { "--task", "denoise", "--arch", "dncnn", "--lr", "0" }, "learning_rate: must be a positive number, got 0" },
        { "train", new[] { "--task", "denoise", "--arch", "dncnn", "--width-multiplier", "2" }, "width_multiplier: is for HiNAS networks; size a dncnn baseline by its width" },
        { "train", new[] { "--task", "denoise", "--arch", "random:1", "--width-multiplier", "9" }, "width_multiplier: must be in [0.25, 8], got 9" },
        { "train", new[] { "--task", "denoise", "--arch", "dncnn", "--conv-expansion", "2" }, "conv_expansion: is for HiNAS networks of fused cells, not a dncnn baseline" },
        { "train", new[] { "--task", "denoise", "--arch", "random:1", "--conv-expansion", "2" }, "conv_expansion: is for networks of fused cells (cell_form fused)" },
        { "search", new[] { "--task", "denoise", "--arch-learning-rate", "2" }, "architect_learning_rate: must be in (0, 1], got 2" },
    };

    [Theory]
    [MemberData(nameof(Mistakes))]
    public async Task TheSameMistake_NamesTheSameSetting_WithTheSameWords_LocallyAndAsAJob(string command, string[] settings, string expected)
    {
        await using var server = await StartServerAsync();
        var local = await Hinas(new[] { command, "--print-options" }.Concat(settings).Concat(LocalRuntime).ToArray());
        Assert.NotEqual(0, local.Code);
        Assert.StartsWith($"hinas: error: {expected}", local.Err.Trim());

        var remote = await Hinas(new[] { "jobs", command }.Concat(settings).Concat(Remote(server)).ToArray());
        Assert.NotEqual(0, remote.Code);
        // the request's field: the settings message's field, the setting (the wire spells two of them differently)
        var named = expected.StartsWith("architecture:", StringComparison.Ordinal)
            ? expected.Replace("architecture:", "baseline:")
            : $"{command}.{expected.Replace("sigma_range:", "sigma_min/sigma_max:")}";
        Assert.StartsWith($"hinas: error: server: {StatusCode.InvalidArgument}: {named}", remote.Err.Trim());
    }

    /// <summary>The latency options of `hinas jobs search` reach the job's search (a local search reads a table file instead: no byte parity).</summary>
    [Fact]
    public async Task BudgetOptions_ReachTheJobsSearch()
    {
        await using var server = await StartServerAsync();
        var id = await StartJob(server, new[] { "jobs", "search", "--task", "denoise", "--supernet-training", "single-path", "--budget-ms", "30", "--resolution", "64x48", "--budget-band", "0.9" });
        var remote = await File.ReadAllTextAsync(Path.Combine(server.StateFolder, "jobs", id, JobFiles.SearchOptionsFile));
        Assert.Contains("\"budget_ms\": 30", remote);
        Assert.Contains("\"budget_band\": 0.9", remote);
    }

    private static Task<LoopbackServer> StartServerAsync() =>
        LoopbackServer.StartAsync(settings: new Dictionary<string, string?> { ["HiNas:Jobs:Enabled"] = "false" });

    private static string[] Remote(LoopbackServer server) => new[] { "--server", server.GrpcAddress.ToString(), "--api-key", LoopbackServer.Key };

    private static async Task<string> StartJob(LoopbackServer server, string[] args)
    {
        var started = await Hinas(args.Concat(Remote(server)).Concat(new[] { "--json" }).ToArray());
        Assert.True(started.Code == 0, started.Err);
        using var job = System.Text.Json.JsonDocument.Parse(started.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)[0]);
        return job.RootElement.GetProperty("id").GetString()!;
    }

    private static async Task<(int Code, string Out, string Err)> Hinas(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await HinasApp.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
