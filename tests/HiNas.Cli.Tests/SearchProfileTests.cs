using System.Text.Json;

namespace HiNas.Cli.Tests;

/// <summary>
/// `hinas search --profile-memory` measures the process's peak resident memory over its steps, so it runs alone: a test
/// beside it that frees memory in the same process can leave the peak under the baseline (a zero reading).
/// </summary>
[Collection(MemoryProfiling.Name)]
public sealed class SearchProfileTests
{
    private static readonly string[] Tiny = SearchCommandTests.Tiny;

    [Fact]
    public async Task ProfileMemoryPrintsPeakAndSecondsPerStep()
    {
        var result = await CliRunner.RunAsync(new[] { "search", "--task", "denoise", "--profile-memory", "--profile-steps", "2" }.Concat(Tiny).ToArray());
        Assert.True(result.ExitCode == 0, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.True(json.RootElement.GetProperty("peak_memory_bytes").GetInt64() > 0);
        Assert.True(json.RootElement.GetProperty("seconds_per_step").GetDouble() > 0);
    }
}

/// <summary>Tests that read the process's peak memory: run with no other test beside them.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryProfiling
{
    public const string Name = "memory profiling";
}
