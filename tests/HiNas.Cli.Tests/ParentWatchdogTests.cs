using System.Diagnostics;
using HiNas.Nas.Workers;

namespace HiNas.Cli.Tests;

/// <summary>A worker whose parent is gone ends by itself (a killed server leaves no orphan behind).</summary>
public sealed class ParentWatchdogTests
{
    [Fact]
    public async Task AWorker_EndsWithinSeconds_OnceItsParentIsGone()
    {
        var root = CliRunner.TempDir();
        var options = Path.Combine(root, "search-options.json");
        var print = await CliRunner.RunAsync(new[] { "search", "--task", "denoise", "--print-options", "--epochs", "500", "--steps-per-epoch", "500" }
            .Concat(SearchCommandTests.Tiny.Where((_, i) => i < 8)).ToArray());
        Assert.True(print.ExitCode == 0, print.Stderr);
        File.WriteAllText(options, print.Stdout);

        using var parent = Process.Start(new ProcessStartInfo("sleep", "4") { UseShellExecute = false })!;
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "hinas.dll"), "run", "search", "--options-file", options, "--run", Path.Combine(root, "run") })
            info.ArgumentList.Add(arg);
        info.Environment[WorkerParent.Variable] = WorkerParent.Of(parent);
        using var worker = Process.Start(info)!;
        var stdout = worker.StandardOutput.ReadToEndAsync();
        _ = worker.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await worker.WaitForExitAsync(limit.Token);
        }
        finally
        {
            if (!worker.HasExited) worker.Kill(entireProcessTree: true);
        }
        Assert.True(parent.HasExited, "the worker ended while its parent was still running");
        Assert.Equal(3, worker.ExitCode);
        Assert.Contains($"the parent process {parent.Id} is gone", await stdout);
        Assert.Null(WorkerResult.TryLoad(Path.Combine(root, "run"))); // like a killed worker: no result, the checkpoints stay
    }
}
