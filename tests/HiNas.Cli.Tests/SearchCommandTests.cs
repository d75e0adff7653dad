using System.Text.Json;
using HiNas.Search.Searching;
using HiNas.Nas.Genotypes;
using HiNas.Nas.Runs;
using HiNas.Nas.Settings;
using HiNas.Nas.Space;

namespace HiNas.Cli.Tests;

public class SearchCommandTests
{
    internal static readonly string[] Tiny =
    {
        "--layers", "2", "--blocks", "2", "--filters", "4", "--stem-channels", "8", "--epochs", "2", "--warmup", "1",
        "--steps-per-epoch", "2", "--batch", "2", "--crop", "24", "--data", "deadleaves:6x40", "--threads", "2",
    };

    [Fact]
    public async Task TinySearchWritesTheRunAndPrintsTheGenotype()
    {
        var dir = Path.Combine(CliRunner.TempDir(), "run");
        var result = await CliRunner.RunAsync(new[] { "search", "--task", "sr", "--scale", "3", "--out", dir }.Concat(Tiny).ToArray());

        Assert.True(result.ExitCode == 0, result.Stderr);
        var genotype = GenotypeJson.Load(Path.Combine(dir, SearchRun.GenotypeFile));
        Assert.Equal(3, genotype.Task.Scale);
        Assert.Equal(2, genotype.Layers);
        Assert.Contains("width path: [", result.Stdout);
        Assert.Contains("epoch 2/2 [search]", result.Stdout);
        Assert.Contains("α's mean weight per operation: conv_3x3 0.", result.Stdout);
        var options = SearchOptionsJson.Load(Path.Combine(dir, SearchRun.OptionsFile));
        Assert.Equal(2, options.Batch);
        Assert.Equal("deadleaves:6x40", options.Data.ToString());

        // Resuming a finished run re-derives the same genotype without more steps.
        var resumed = await CliRunner.RunAsync("search", "--resume", dir, "--json");
        Assert.Equal(0, resumed.ExitCode);
        using var json = JsonDocument.Parse(resumed.Stdout);
        Assert.Equal(genotype.WidthPath, json.RootElement.GetProperty("width_path").EnumerateArray().Select(e => e.GetInt32()));
        var shares = json.RootElement.GetProperty("operation_shares");
        Assert.Equal(OperationShares.Of(genotype.Alpha!)[OperationNames.SepConv3x3], shares.GetProperty("sep_conv_3x3").GetDouble(), 12);

        // A new run from the resolved options file repeats the search exactly (the server's job worker runs this way).
        var again = Path.Combine(CliRunner.TempDir(), "again");
        var repeated = await CliRunner.RunAsync("search", "--options-file", Path.Combine(dir, SearchRun.OptionsFile), "--out", again, "--json");
        Assert.True(repeated.ExitCode == 0, repeated.Stderr);
        Assert.Equal(GenotypeJson.Serialize(genotype), GenotypeJson.Serialize(GenotypeJson.Load(Path.Combine(again, SearchRun.GenotypeFile))));
        var mixed = await CliRunner.RunAsync("search", "--options-file", Path.Combine(dir, SearchRun.OptionsFile), "--task", "denoise", "--out", Path.Combine(again, "x"));
        Assert.Equal(2, mixed.ExitCode);
        Assert.Contains("--options-file", mixed.Stderr);
    }

    /// <summary>
    /// `--operations` restricts the space: the search records it, and the mixture search's network, a single-path
    /// search's ranked networks and a random genotype of the space (`hinas train --arch random:N --operations`) all keep to it.
    /// </summary>
    [Fact]
    public async Task SearchesAndRandomGenotypesOfSomeOperations_KeepToThem()
    {
        var offered = new HashSet<string> { OperationNames.Conv3x3, OperationNames.DilConv3x3, OperationNames.Skip };
        var mixture = Path.Combine(CliRunner.TempDir(), "mixture");
        var result = await CliRunner.RunAsync(new[] { "search", "--task", "denoise", "--operations", "skip_connect,conv_3x3,dil_conv_3x3", "--out", mixture }.Concat(Tiny).ToArray());
        Assert.True(result.ExitCode == 0, result.Stderr);
        var found = GenotypeJson.Load(Path.Combine(mixture, SearchRun.GenotypeFile));
        Assert.Equal(offered.Order(), found.Space.Candidates.Names.Order());
        Assert.Subset(offered, found.Cells.SelectMany(c => c.Edges).Select(e => e.Op).ToHashSet());
        Assert.Equal(found.Space.Candidates, SearchOptionsJson.Load(Path.Combine(mixture, SearchRun.OptionsFile)).Supernet.Candidates);
        Assert.DoesNotContain("sep_conv", result.Stdout.Split('\n').Single(l => l.Contains("α's mean weight")));

        var singlePath = Path.Combine(CliRunner.TempDir(), "single-path");
        // with none: networks with nodes of one operation are trained and ranked too
        result = await CliRunner.RunAsync(new[] { "search", "--task", "denoise", "--operations", "conv_3x3,skip_connect,none", "--supernet-training", "single-path", "--ranked-networks", "6", "--out", singlePath }.Concat(Tiny).ToArray());
        Assert.True(result.ExitCode == 0, result.Stderr);
        var ranking = RunFiles.ReadJson<NetworkRanking.Ranking>(Path.Combine(singlePath, NetworkRanking.RankingFile));
        Assert.Equal(6, ranking.Candidates.Count);
        var rankedEdges = ranking.Candidates.SelectMany(c => c.Cells).SelectMany(edges => edges).ToArray();
        Assert.All(rankedEdges, e => Assert.Contains(e.Op, new[] { OperationNames.Conv3x3, OperationNames.Skip, OperationNames.None }));
        Assert.Contains(rankedEdges, e => e.Op == OperationNames.None);
        Assert.True(GenotypeJson.Load(Path.Combine(singlePath, SearchRun.GenotypeFile)).Space.Candidates.OffersNone);

        var train = Path.Combine(CliRunner.TempDir(), "random");
        result = await CliRunner.RunAsync("train", "--task", "denoise", "--arch", "random:4", "--operations", "dil_conv_3x3", "--layers", "2", "--blocks", "1", "--filters", "4",
            "--stem-channels", "8", "--iterations", "2", "--batch", "2", "--crop", "24", "--data", "deadleaves:6x40", "--validate-every", "2", "--out", train);
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("dil_conv_3x3", File.ReadAllText(Path.Combine(train, "options.json")));
        Assert.DoesNotContain("\"conv_3x3\"", File.ReadAllText(Path.Combine(train, "options.json")));
    }

    [Fact]
    public async Task Select_MeasuresAMixtureRunsEdges_OrRanksItsNetworks()
    {
        var dir = Path.Combine(CliRunner.TempDir(), "run");
        Assert.Equal(0, (await CliRunner.RunAsync(new[] { "search", "--task", "denoise", "--out", dir }.Concat(Tiny).ToArray())).ExitCode);

        var edges = await CliRunner.RunAsync("select", dir, "--json");
        Assert.True(edges.ExitCode == 0, edges.Stderr);
        Assert.True(File.Exists(Path.Combine(dir, PerturbationSelection.GenotypeFile)));

        var networks = await CliRunner.RunAsync("select", dir, "--by", "ranking", "--samples", "2", "--batches", "1");
        Assert.True(networks.ExitCode == 0, networks.Stderr);
        Assert.Contains("α's network: ", networks.Stdout);
        var ranking = RunFiles.ReadJson<NetworkRanking.Ranking>(Path.Combine(dir, NetworkRanking.RankingFile));
        Assert.Contains(ranking.Candidates, c => c.Origin == NetworkRanking.AlphaOrigin);
        // the perturbation selection's network is ranked too, unless it is α's (the same network is measured once)
        Assert.True(ranking.Candidates.Any(c => c.Origin == "perturbation")
            || GenotypeJson.Load(Path.Combine(dir, PerturbationSelection.GenotypeFile)).Cells.SequenceEqual(GenotypeJson.Load(Path.Combine(dir, SearchRun.LastGenotypeFile)).Cells));
    }

    [Fact]
    public async Task ASinglePathSearch_DerivesByRanking_AndSelectRanksGivenNetworksBeside()
    {
        var dir = Path.Combine(CliRunner.TempDir(), "run");
        var result = await CliRunner.RunAsync(new[] { "search", "--task", "denoise", "--supernet-training", "single-path", "--ranked-networks", "3", "--out", dir }.Concat(Tiny).ToArray());

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("epoch 2/2 [single-path]", result.Stdout);
        Assert.DoesNotContain("α's mean weight", result.Stdout); // nothing trained α
        var found = GenotypeJson.Load(Path.Combine(dir, SearchRun.GenotypeFile));
        Assert.Equal(found, GenotypeJson.Load(Path.Combine(dir, NetworkRanking.GenotypeFile)));

        var mine = Path.Combine(CliRunner.TempDir(), "mine.json");
        GenotypeJson.Save(RandomGenotype.Sample(found.Space, 9).OnWidthPath(new[] { 0, 0 }), mine);
        var ranked = await CliRunner.RunAsync("select", dir, "--by", "ranking", "--samples", "2", "--batches", "2", "--candidate", mine, "--json");
        Assert.True(ranked.ExitCode == 0, ranked.Stderr);
        using var json = JsonDocument.Parse(ranked.Stdout);
        Assert.Equal(Path.Combine(dir, NetworkRanking.GenotypeFile), json.RootElement.GetProperty("genotype").GetString());
        var ranking = RunFiles.ReadJson<NetworkRanking.Ranking>(Path.Combine(dir, NetworkRanking.RankingFile));
        Assert.Equal(2, ranking.Batches);
        Assert.Contains(ranking.Candidates, c => c.Origin.EndsWith("mine.json"));
        Assert.Equal(2, ranking.Candidates.Count(c => c.Origin.StartsWith("drawn:")));

        // then the ranking's top drawn networks trained briefly, the best by validation kept (the given one is not selected)
        var trained = await CliRunner.RunAsync("select", dir, "--by", "training", "--top", "2", "--iterations", "4", "--batch", "2", "--crop", "24",
            "--validate-every", "2", "--width-multiplier", "1", "--head", "light", "--json");
        Assert.True(trained.ExitCode == 0, trained.Stderr);
        using var chosen = JsonDocument.Parse(trained.Stdout);
        Assert.Equal(Path.Combine(dir, TrainingSelection.GenotypeFile), chosen.RootElement.GetProperty("genotype").GetString());
        var selection = RunFiles.ReadJson<TrainingSelection.Selection>(Path.Combine(dir, TrainingSelection.SelectionFile));
        Assert.Equal(2, selection.Candidates.Count);
        Assert.All(selection.Candidates, c => Assert.StartsWith("drawn:", c.Origin));
        Assert.Equal(selection.Candidates[0].ValidationPsnr, chosen.RootElement.GetProperty("validation_psnr").GetDouble());
        Assert.True(File.Exists(Path.Combine(chosen.RootElement.GetProperty("training").GetString()!, TrainRun.BestModelFile)));
        Assert.Equal(selection.Candidates[0].WidthPath, GenotypeJson.Load(Path.Combine(dir, TrainingSelection.GenotypeFile)).WidthPath);

        // under a frame-time ceiling each network is timed as trained by ONNX Runtime on this machine before any training
        string[] shortTraining = ["--top", "2", "--iterations", "4", "--batch", "2", "--crop", "24", "--validate-every", "2", "--width-multiplier", "1", "--head", "light"];
        var timed = await CliRunner.RunAsync(["select", dir, "--by", "training", .. shortTraining, "--max-ms", "100000", "--latency-size", "32", "--json"]);
        Assert.True(timed.ExitCode == 0, timed.Stderr);
        var selectionFile = Path.Combine(dir, TrainingSelection.SelectionFile);
        var underCeiling = RunFiles.ReadJson<TrainingSelection.Selection>(selectionFile);
        var written = File.ReadAllText(selectionFile);
        Assert.Equal((100000.0, "32x32"), (underCeiling.MaxMs, underCeiling.LatencyResolution));
        Assert.Equal(selection.Candidates.Select(c => c.Origin), underCeiling.Candidates.Select(c => c.Origin)); // the same trainings, reused
        Assert.All(underCeiling.Candidates, c => Assert.InRange(c.LatencyMs!.Value, 1e-3, 100000));
        Assert.Empty(underCeiling.OverCeiling);
        // no network runs in a tenth of a microsecond: refused, naming the ceiling and the fastest, the last selection kept
        var tooFast = await CliRunner.RunAsync(["select", dir, "--by", "training", .. shortTraining, "--max-ms", "0.0001", "--latency-size", "32"]);
        Assert.NotEqual(0, tooFast.ExitCode);
        Assert.Contains("runs within 0.0001 ms at 32x32 on this machine (the fastest: ", tooFast.Stderr);
        Assert.Equal(written, File.ReadAllText(selectionFile));

        // as fast as a hand design: each network timed by ONNX Runtime side by side with it; a DnCNN of 20 layers × 64
        // is far slower than these micro networks, so the same two are trained (reused) and each carries the reference's time
        var asFast = await CliRunner.RunAsync(["select", dir, "--by", "training", .. shortTraining, "--as-fast-as", "dncnn:20:64", "--latency-size", "32"]);
        Assert.True(asFast.ExitCode == 0, asFast.Stderr);
        var beside = RunFiles.ReadJson<TrainingSelection.Selection>(selectionFile);
        Assert.Equal(("dncnn:20:64", (double?)null, "32x32"), (beside.AsFastAs, beside.MaxMs, beside.LatencyResolution));
        Assert.Equal(selection.Candidates.Select(c => c.Origin), beside.Candidates.Select(c => c.Origin));
        Assert.All(beside.Candidates, c => Assert.True(c.LatencyMs > 0 && c.LatencyMs <= c.ReferenceMs, $"{c.LatencyMs} ms against {c.ReferenceMs}"));
        Assert.Contains("(reference ", asFast.Stdout);
        // in int8: each network, and the reference, timed as its int8 export runs
        var int8 = await CliRunner.RunAsync(["select", dir, "--by", "training", .. shortTraining, "--as-fast-as", "dncnn:20:64", "--latency-size", "32", "--latency-precision", "int8"]);
        Assert.True(int8.ExitCode == 0, int8.Stderr);
        var inInt8 = RunFiles.ReadJson<TrainingSelection.Selection>(selectionFile);
        Assert.Equal(("dncnn:20:64", "int8"), (inInt8.AsFastAs, inInt8.LatencyPrecision));
        Assert.All(inInt8.Candidates, c => Assert.True(c.LatencyMs > 0 && c.LatencyMs <= c.ReferenceMs, $"{c.LatencyMs} ms against {c.ReferenceMs}"));
        Assert.Equal("float32", beside.LatencyPrecision);
        // a reference that is not a network for the run's task is refused by name before any timing, the last selection kept
        var kept = File.ReadAllText(selectionFile);
        var notADenoiser = await CliRunner.RunAsync(["select", dir, "--by", "training", .. shortTraining, "--as-fast-as", "espcn:2:8", "--latency-size", "32"]);
        Assert.NotEqual(0, notADenoiser.ExitCode);
        Assert.Contains("espcn is an upscaler", notADenoiser.Stderr);
        Assert.Equal(kept, File.ReadAllText(selectionFile));
    }

    [Theory]
    [InlineData("--latency-precision", "int8")]
    [InlineData("--latency-size", "64")]
    public async Task ALatencyArithmeticWithoutACeiling_IsRefusedNamingIt(string option, string value)
    {
        var result = await CliRunner.RunAsync(["select", CliRunner.TempDir(), "--by", "training", option, value]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"{option} is the arithmetic of --max-ms or --as-fast-as", result.Stderr);
    }

    [Theory]
    [InlineData("search", "--out", "{dir}/r")]
    [InlineData("search", "--task", "denoise")]
    [InlineData("search", "--task", "deblur", "--out", "{dir}/r")]
    [InlineData("search", "--task", "denoise", "--sigma", "-5", "--out", "{dir}/r")]
    [InlineData("search", "--task", "sr", "--scale", "5", "--out", "{dir}/r")]
    [InlineData("search", "--task", "sr", "--preset", "paper-denoise", "--out", "{dir}/r")]
    [InlineData("search", "--task", "denoise", "--data", "{dir}/nothing-here", "--out", "{dir}/r")]
    [InlineData("search", "--task", "denoise", "--data", "deadleaves:1x9", "--out", "{dir}/r")]
    [InlineData("search", "--task", "denoise", "--epochs", "0", "--out", "{dir}/r")]
    [InlineData("search", "--task", "denoise", "--warmup", "50", "--out", "{dir}/r")]
    [InlineData("search", "--task", "denoise", "--layers", "0", "--out", "{dir}/r")]
    [InlineData("search", "--resume", "{dir}/no-run")]
    [InlineData("search", "--resume", "{dir}", "--task", "denoise")]
    [InlineData("search", "--task", "denoise", "--device", "tpu", "--out", "{dir}/r")]
    [InlineData("search", "--task", "denoise", "--weight-optimizer", "rmsprop", "--out", "{dir}/r")]
    [InlineData("search", "--task", "denoise", "--pixel-loss", "huber", "--out", "{dir}/r")]
    [InlineData("search", "--task", "denoise", "--cell-form", "fast", "--out", "{dir}/r")]
    [InlineData("search", "--task", "denoise", "--operations", "conv_3x3,conv_7x7", "--out", "{dir}/r")]
    [InlineData("search", "--task", "denoise", "--operations", "none", "--out", "{dir}/r")]
    [InlineData("search", "--task", "denoise", "--width-factors", "1,two", "--out", "{dir}/r")]
    [InlineData("search", "--task", "denoise", "--width-factors", "0,1", "--out", "{dir}/r")]
    [InlineData("select", "{dir}/no-run")]
    [InlineData("select")]
    [InlineData("select", "{dir}", "--samples", "3")]
    [InlineData("select", "{dir}", "--by", "edges")]
    [InlineData("select", "{dir}", "--top", "2")]
    [InlineData("select", "{dir}", "--by", "ranking", "--iterations", "20")]
    [InlineData("select", "{dir}", "--max-parameters", "5000")]
    [InlineData("select", "{dir}", "--by", "training", "--samples", "3")]
    [InlineData("select", "{dir}", "--by", "training")]
    [InlineData("select", "{dir}", "--by", "training", "--top", "0")]
    [InlineData("select", "{dir}", "--by", "ranking", "--max-ms", "50")]
    [InlineData("select", "{dir}", "--by", "training", "--max-ms", "0")]
    [InlineData("select", "{dir}", "--by", "training", "--max-ms", "50", "--latency-size", "0x5")]
    [InlineData("select", "{dir}", "--by", "ranking", "--as-fast-as", "ffdnet:7:48")]
    [InlineData("select", "{dir}", "--by", "training", "--max-ms", "50", "--as-fast-as", "ffdnet:7:48")]
    [InlineData("select", "{dir}", "--by", "training", "--as-fast-as", " ")]
    [InlineData("select", "{dir}", "--by", "training", "--max-ms", "50", "--latency-precision", "int4")]
    public async Task BadSearchInvocationsFailWithOneLine(params string[] template)
    {
        var dir = CliRunner.TempDir();
        var args = template.Select(a => a.Replace("{dir}", dir)).ToArray();
        var result = await CliRunner.RunAsync(args);
        Assert.NotEqual(0, result.ExitCode);
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("hinas: error: ", lines[0]);
        Assert.False(File.Exists(Path.Combine(dir, "r", SearchRun.GenotypeFile)));
    }
}
