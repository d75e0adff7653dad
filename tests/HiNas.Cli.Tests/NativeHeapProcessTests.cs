using System.Diagnostics;
using System.Text.Json;
using HiNas.Search.Runtime;

namespace HiNas.Cli.Tests;

/// <summary>
/// The commands that compute with libtorch run on tcmalloc when it is installed (scripts/install-deps.sh installs
/// it): they re-execute themselves with it preloaded. <c>HINAS_ALLOCATOR=glibc</c> keeps glibc's heap instead, and a
/// value that is neither is refused before anything runs. Each case is the built hinas.dll in its own process, as a
/// user runs it.
/// </summary>
public sealed class NativeHeapProcessTests
{
    private static readonly string[] TinyTrainingProfile =
    {
        "train", "--arch", "dncnn", "--depth", "3", "--width", "8", "--task", "denoise", "--batch", "2", "--crop", "24",
        "--data", "deadleaves:4x32", "--threads", "2", "--profile-memory", "--profile-steps", "2",
    };

    [Fact]
    public async Task ATrainingCommand_RunsOnTcmalloc_WhenItIsInstalled_AndStillReadsItsArguments()
    {
        var (exitCode, stdout, stderr) = await RunAsync(new Dictionary<string, string>(), TinyTrainingProfile);
        Assert.True(exitCode == 0, stderr);
        Assert.Contains(NativeHeap.TcmallocPaths.Any(File.Exists) ? "hinas: native heap: tcmalloc" : "tcmalloc not installed", stderr);
        using var json = JsonDocument.Parse(stdout); // the relaunched process got every argument: depth 3 × width 8
        Assert.Equal("DnCNN depth 3 width 8", json.RootElement.GetProperty("network").GetString());
        Assert.Equal(2, json.RootElement.GetProperty("steps").GetInt32());
    }

    [Fact]
    public async Task AllocatorGlibc_KeepsGlibcsHeap()
    {
        var (exitCode, _, stderr) = await RunAsync(new Dictionary<string, string> { [NativeHeap.AllocatorVariable] = "glibc" }, TinyTrainingProfile);
        Assert.True(exitCode == 0, stderr);
        Assert.Contains("hinas: native heap: glibc (HINAS_ALLOCATOR=glibc), kept between steps", stderr);
        Assert.DoesNotContain("native heap: tcmalloc", stderr);
    }

    [Fact]
    public async Task AnUnknownAllocator_IsRefusedByName()
    {
        var (exitCode, stdout, stderr) = await RunAsync(new Dictionary<string, string> { [NativeHeap.AllocatorVariable] = "jemalloc" }, TinyTrainingProfile);
        Assert.Equal(2, exitCode);
        Assert.Equal("", stdout);
        Assert.Contains("hinas: HINAS_ALLOCATOR must be tcmalloc or glibc, got 'jemalloc'", stderr);
    }

    [Fact]
    public void ThePreloadGoesInFrontOfTheUsersOwn()
    {
        Assert.Equal("/lib/t.so", NativeHeap.Preload("/lib/t.so", null));
        Assert.Equal("/lib/t.so", NativeHeap.Preload("/lib/t.so", " "));
        Assert.Equal("/lib/t.so:/opt/mine.so", NativeHeap.Preload("/lib/t.so", "/opt/mine.so"));
        Assert.True(NativeHeap.WantsTcmalloc(null));
        Assert.True(NativeHeap.WantsTcmalloc(" TCMalloc "));
        Assert.False(NativeHeap.WantsTcmalloc("glibc"));
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(IDictionary<string, string> environment, string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "hinas.dll"));
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        info.Environment.Remove(NativeHeap.AllocatorVariable);
        info.Environment.Remove(NativeHeap.RelaunchedVariable);
        foreach (var (key, value) in environment) info.Environment[key] = value;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }
}
