using System.Reflection;

namespace HiNas.Server.Jobs;

/// <summary>
/// Where the job worker (`hinas.dll`, the CLI with TorchSharp) is: HiNas:Jobs:WorkerPath when configured; else a
/// hinas.dll deployed next to the server; else the CLI build output that the server's build recorded
/// (build/Worker.targets: the CLI is built beside the server, never copied into its output).
/// </summary>
public static class WorkerLocation
{
    public const string FileName = "hinas.dll";
    private const string MetadataKey = "HiNasWorkerPath";

    public static string Resolve(string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured)) return Path.GetFullPath(configured);
        var beside = Path.Combine(AppContext.BaseDirectory, FileName);
        if (File.Exists(beside)) return beside;
        var built = typeof(WorkerLocation).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == MetadataKey)?.Value;
        return string.IsNullOrEmpty(built) ? beside : built;
    }
}
