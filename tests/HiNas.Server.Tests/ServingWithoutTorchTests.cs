using System.Reflection;
using System.Text.Json;
using HiNas.Server.Hosting;

namespace HiNas.Server.Tests;

/// <summary>
/// The serving process never loads TorchSharp or libtorch: the server's assemblies reference none of the training
/// side, and its build output's deps.json lists no TorchSharp, libtorch, CLI or TorchSharp project. Fails as soon as a
/// reference to one of them comes back (directly or through another project).
/// </summary>
public sealed class ServingWithoutTorchTests
{
    /// <summary>TorchSharp and its libtorch packages, the TorchSharp projects, and the CLI (the job worker, assembly "hinas").</summary>
    private static bool IsForbidden(string name) =>
        name.StartsWith("TorchSharp", StringComparison.OrdinalIgnoreCase) || name.StartsWith("libtorch", StringComparison.OrdinalIgnoreCase)
        || name is "hinas" or "HiNas.Cli" or "HiNas.Search" or "HiNas.Onnx" or "HiNas.Pipelines";

    [Fact]
    public void TheServersAssemblies_ReferenceNoTrainingAssembly()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Queue<Assembly>(new[] { typeof(ServerApp).Assembly });
        while (pending.Count > 0)
        {
            var assembly = pending.Dequeue();
            foreach (var reference in assembly.GetReferencedAssemblies())
            {
                var name = reference.Name!;
                Assert.False(IsForbidden(name), $"{assembly.GetName().Name} references {name}: the serving process must not load the training side");
                if (name.StartsWith("HiNas.", StringComparison.Ordinal) && seen.Add(name)) pending.Enqueue(Assembly.Load(reference));
            }
        }
        Assert.Contains("HiNas.Nas", seen);
        Assert.Contains("HiNas.Inference", seen);
    }

    [Fact]
    public void TheServersBuildOutput_ListsNoTorchSharpLibtorchOrCli()
    {
        var deps = ServerDepsFile();
        using var document = JsonDocument.Parse(File.ReadAllText(deps));
        var libraries = document.RootElement.GetProperty("libraries").EnumerateObject().Select(p => p.Name.Split('/')[0]).ToArray();
        Assert.Contains("HiNas.Nas", libraries);
        foreach (var library in libraries) Assert.False(IsForbidden(library), $"{deps} lists {library}");
        var folder = Path.GetDirectoryName(deps)!;
        Assert.Empty(Directory.EnumerateFiles(folder, "*torch*", SearchOption.AllDirectories));
        Assert.False(File.Exists(Path.Combine(folder, "hinas.dll")), "the worker is built beside the server, not into its output");
    }

    /// <summary>src/HiNas.Server's own build output (the configuration these tests were built with), not the test folder's copy.</summary>
    private static string ServerDepsFile()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "HiNas.Realtime.sln"))) root = root.Parent;
        Assert.True(root is not null, "the repository root (HiNas.Realtime.sln) is not above the test folder");
#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif
        var bin = Path.Combine(root!.FullName, "src", "HiNas.Server", "bin", configuration);
        var candidates = Directory.Exists(bin) ? Directory.GetFiles(bin, "HiNas.Server.deps.json", SearchOption.AllDirectories) : Array.Empty<string>();
        Assert.True(candidates.Length > 0, $"no HiNas.Server.deps.json under {bin}: build src/HiNas.Server first");
        return candidates.OrderByDescending(File.GetLastWriteTimeUtc).First();
    }
}
