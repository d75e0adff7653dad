using System.Text.Json;
using HiNas.Cli.Infrastructure;

namespace HiNas.Client.Tests;

/// <summary>`hinas jobs` and `hinas models` against the real server on loopback.</summary>
public sealed class JobsCommandTests
{
    private static async Task<(int Code, string Out, string Err)> Hinas(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await HinasApp.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task HinasJobs_RunsATinySearchThenTrainJob_EndToEnd()
    {
        await using var server = await LoopbackServer.StartAsync();
        var remote = new[] { "--server", server.GrpcAddress.ToString(), "--api-key", LoopbackServer.Key };
        var run = await Hinas(new[]
        {
            "jobs", "train", "--search", "--task", "denoise", "--sigma", "25", "--channels", "3",
            "--search-layers", "1", "--search-blocks", "2", "--search-filters", "4", "--search-stem-channels", "8", "--search-epochs", "2",
            "--search-warmup", "1", "--search-steps-per-epoch", "3", "--search-batch", "2", "--search-crop", "32", "--search-data", "deadleaves:8x48",
            "--iterations", "20", "--batch", "2", "--crop", "32", "--validate-every", "10", "--data", "deadleaves:8x48",
            "--model-id", "cli-model", "--watch", "--json",
        }.Concat(remote).ToArray());
        Assert.True(run.Code == 0, run.Err + run.Out);
        var lines = run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        var jobId = lines[0].GetProperty("id").GetString()!;
        Assert.Equal("JOB_KIND_SEARCH_THEN_TRAIN", lines[0].GetProperty("kind").GetString());
        Assert.Contains(lines, l => l.TryGetProperty("progress", out var p) && p.TryGetProperty("stage", out var s) && s.GetString() == "search");
        var result = lines[^1].GetProperty("result");
        Assert.Equal("JOB_STATE_SUCCEEDED", result.GetProperty("state").GetString());
        Assert.Equal("cli-model", result.GetProperty("model_id").GetString());

        var models = await Hinas(new[] { "models", "list", "--json", "--server", server.GrpcAddress.ToString() });
        Assert.Equal(0, models.Code);
        Assert.Contains("\"id\": \"cli-model\"", models.Out);

        var list = await Hinas(new[] { "jobs", "list" }.Concat(remote).ToArray());
        Assert.Contains(jobId, list.Out);
        Assert.Contains("succeeded", list.Out);

        var replay = await Hinas(new[] { "jobs", "watch", jobId }.Concat(remote).ToArray());
        Assert.Equal(0, replay.Code);
        Assert.Contains($"job {jobId} succeeded", replay.Out);
        Assert.Contains("model 'cli-model' published", replay.Out);
        Assert.Contains("stage: search started", replay.Out);

        var again = await Hinas(new[] { "jobs", "cancel", jobId }.Concat(remote).ToArray());
        Assert.Equal(1, again.Code);
        Assert.Contains("server: FailedPrecondition: job_id:", again.Err);
    }

    [Fact]
    public async Task HinasJobs_ClearErrors()
    {
        await using var server = await LoopbackServer.StartAsync(settings: new Dictionary<string, string?> { ["HiNas:Jobs:Enabled"] = "false" });
        var url = server.GrpcAddress.ToString();
        var wrongKey = await Hinas("jobs", "list", "--server", url, "--api-key", "not-the-key-at-all");
        Assert.Equal(1, wrongKey.Code);
        Assert.StartsWith("hinas: error: server: Unauthenticated:", wrongKey.Err);

        var badUrl = await Hinas("jobs", "list", "--server", "ftp://x");
        Assert.Equal(2, badUrl.Code);
        Assert.Contains("--server", badUrl.Err);

        var two = await Hinas("jobs", "train", "--arch", "dncnn", "--search", "--task", "denoise", "--server", url, "--api-key", LoopbackServer.Key);
        Assert.Equal(2, two.Code);

        var badField = await Hinas("jobs", "search", "--task", "sr", "--scale", "3", "--crop", "32", "--server", url, "--api-key", LoopbackServer.Key);
        Assert.Equal(1, badField.Code);
        Assert.Contains("search.crop:", badField.Err);

        var precision = await Hinas("jobs", "train", "--arch", "dncnn", "--task", "denoise", "--precision", "fp16", "--server", url, "--api-key", LoopbackServer.Key);
        Assert.Equal(2, precision.Code);
        Assert.Contains("fp16", precision.Err);
        var int8Alone = await Hinas("jobs", "train", "--arch", "dncnn", "--task", "denoise", "--int8-tuning-steps", "5", "--server", url, "--api-key", LoopbackServer.Key);
        Assert.Equal(1, int8Alone.Code);
        Assert.Contains("export.precision: int8_tuning_steps and int8_tolerance_db need precision int8", int8Alone.Err);

        var nowhere = await Hinas("models", "list", "--server", $"http://127.0.0.1:{LoopbackServer.FreePort()}");
        Assert.Equal(1, nowhere.Code);
        Assert.Contains("server: Unavailable", nowhere.Err);
    }
}
