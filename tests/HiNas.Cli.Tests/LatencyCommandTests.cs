using System.Text.Json;
using HiNas.Search.Latency;
using HiNas.Nas.Latency;

namespace HiNas.Cli.Tests;

/// <summary>`hinas profile-latency`, then `hinas search --latency-table … --budget-ms …` end to end.</summary>
public class LatencyCommandTests
{
    private static readonly string[] Space = { "--task", "denoise", "--channels", "3", "--layers", "2", "--blocks", "2", "--filters", "4", "--stem-channels", "8" };

    private static readonly string[] TinySearch =
    {
        "--epochs", "2", "--warmup", "1", "--steps-per-epoch", "2", "--batch", "2", "--crop", "24", "--data", "deadleaves:6x40", "--threads", "2",
    };

    [Fact]
    public async Task ProfileThenSearch_RefusesABudgetUnderTheMeasuredFloor_AndEndsAGenerousOneMeasured()
    {
        var dir = CliRunner.TempDir();
        var tablePath = Path.Combine(dir, "table.json");
        var profiled = await CliRunner.RunAsync(Space.Prepend("profile-latency").Concat(new[] { "--resolution", "160x120", "--repeats", "3", "--out", tablePath, "--json" }).ToArray());
        Assert.True(profiled.ExitCode == 0, profiled.Stderr);
        using (var json = JsonDocument.Parse(profiled.Stdout))
        {
            Assert.True(json.RootElement.GetProperty("floor_ms").GetDouble() > 0);
            Assert.True(json.RootElement.GetProperty("floor_measured_ms").GetDouble() > 0);
        }
        var table = LatencyTable.Load(tablePath);

        // A table of this machine that predicts a hundredth of what it measured: a budget of twice its floor passes the
        // table's own check but not the floor network run whole, and is refused before the run folder exists.
        var optimistic = table with { Milliseconds = table.Milliseconds.ToDictionary(p => p.Key, p => p.Value / 100) };
        var optimisticPath = Path.Combine(dir, "optimistic.json");
        optimistic.Save(optimisticPath);
        var predictedFloor = FloorOf(optimisticPath);
        var run = Path.Combine(dir, "refused");
        var refused = await CliRunner.RunAsync(Space.Prepend("search").Concat(TinySearch).Concat(new[]
        {
            "--latency-table", optimisticPath, "--budget-ms", (2 * predictedFloor).ToString("R", System.Globalization.CultureInfo.InvariantCulture), "--out", run,
        }).ToArray());
        Assert.NotEqual(0, refused.ExitCode);
        var line = Assert.Single(refused.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("below the cheapest network of this search space", line);
        Assert.Contains("measured with ONNX Runtime", line);
        Assert.False(Directory.Exists(run));

        // A generous budget: the search runs, and its end measures the derived network against the budget.
        run = Path.Combine(dir, "generous");
        var searched = await CliRunner.RunAsync(Space.Prepend("search").Concat(TinySearch).Concat(new[] { "--latency-table", tablePath, "--budget-ms", "10000", "--out", run, "--json" }).ToArray());
        Assert.True(searched.ExitCode == 0, searched.Stderr);
        using var result = JsonDocument.Parse(searched.Stdout);
        var latency = result.RootElement.GetProperty("latency");
        Assert.True(latency.GetProperty("measured_ms").GetDouble() > 0);
        Assert.True(latency.GetProperty("meets_budget").GetBoolean());
        Assert.True(File.Exists(Path.Combine(run, BudgetReport.FileName)));

        // A single-path search says how much of the space its budget admits (each step draws until one network is
        // admitted); under --json on stderr, stdout staying one JSON object.
        run = Path.Combine(dir, "single-path");
        searched = await CliRunner.RunAsync(Space.Prepend("search").Concat(TinySearch).Concat(new[]
        {
            "--supernet-training", "single-path", "--ranked-networks", "3", "--latency-table", tablePath, "--budget-ms", "10000", "--out", run, "--json",
        }).ToArray());
        Assert.True(searched.ExitCode == 0, searched.Stderr);
        using (JsonDocument.Parse(searched.Stdout)) { }
        // on the table's machine the band is calibrated first, by networks of it run whole
        Assert.Contains("latency calibration: ONNX Runtime measures the budget's networks at ", searched.Stderr);
        Assert.Matches(@"the budget \(10000 ms, the table's predictions × [0-9.]+ as measured\) admits 100 % of the space's networks \(2,000 of 2,000 drawn\)", searched.Stderr);
    }

    [Fact]
    public async Task AnInt8Table_SetsABudgetForTheInt8Export_WhoseSearchEndsMeasuredInInt8()
    {
        var dir = CliRunner.TempDir();
        var tablePath = Path.Combine(dir, "int8.json");
        string[] fused = ["--task", "denoise", "--channels", "3", "--preset", "frame-time-denoise-fused", "--layers", "2", "--filters", "8"];
        var bad = await CliRunner.RunAsync(fused.Prepend("profile-latency").Concat(["--resolution", "32x32", "--precision", "int4", "--out", tablePath]).ToArray());
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("int4", bad.Stderr);
        Assert.False(File.Exists(tablePath));

        var profiled = await CliRunner.RunAsync(fused.Prepend("profile-latency").Concat(["--resolution", "32x32", "--repeats", "3", "--precision", "int8", "--out", tablePath, "--json"]).ToArray());
        Assert.True(profiled.ExitCode == 0, profiled.Stderr);
        using (var json = JsonDocument.Parse(profiled.Stdout)) Assert.Equal("int8", json.RootElement.GetProperty("precision").GetString());
        Assert.Equal("int8", LatencyTable.Load(tablePath).Precision);

        var run = Path.Combine(dir, "search");
        var searched = await CliRunner.RunAsync(fused.Prepend("search").Concat(TinySearch).Concat(
            ["--single-path-steps-per-epoch", "2", "--ranked-networks", "3", "--latency-table", tablePath, "--budget-ms", "10000", "--out", run]).ToArray());
        Assert.True(searched.ExitCode == 0, searched.Stderr);
        Assert.Matches(@"latency at 32x32 in int8: [0-9.]+ ms measured", searched.Stdout);
        var report = HiNas.Nas.Runs.RunFiles.ReadJson<BudgetReport>(Path.Combine(run, BudgetReport.FileName));
        Assert.Equal("int8", report.Precision);
        Assert.True(report.MeasuredMs > 0);
    }

    /// <summary>The floor a table predicts, as `hinas profile-latency` would print it for that table's space.</summary>
    private static double FloorOf(string tablePath)
    {
        var space = new HiNas.Nas.Settings.SupernetConfig { Task = HiNas.Imaging.Tasks.RestorationTask.Denoise(25, 3), Layers = 2, Blocks = 2, Filters = 4, StemChannels = 8 };
        return LatencyFloor.Of(space.Space, LatencyTable.Load(tablePath)).Milliseconds;
    }
}
