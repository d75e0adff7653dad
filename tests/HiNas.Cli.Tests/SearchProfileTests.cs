using System.Diagnostics;
using System.Text.Json;

namespace HiNas.Cli.Tests;

/// <summary>
/// `hinas search --profile-memory` measures the peak resident memory of its process over the steps, so it runs as its
/// own process (the built hinas.dll), as a user runs it: inside the test host, memory that earlier tests freed is reused
/// by the tiny search and the peak may not rise above the baseline at all.
/// </summary>
public sealed class SearchProfileTests
{
    [Fact]
    public async Task ProfileMemoryPrintsPeakAndSecondsPerStep()
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "hinas.dll"), "search", "--task", "denoise", "--profile-memory", "--profile-steps", "2" }
                     .Concat(SearchCommandTests.Tiny))
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, await stderr);
        using var json = JsonDocument.Parse(await stdout);
        Assert.True(json.RootElement.GetProperty("peak_memory_bytes").GetInt64() > 0, await stdout);
        Assert.True(json.RootElement.GetProperty("baseline_memory_bytes").GetInt64() > 0);
        Assert.True(json.RootElement.GetProperty("seconds_per_step").GetDouble() > 0);
    }
}
