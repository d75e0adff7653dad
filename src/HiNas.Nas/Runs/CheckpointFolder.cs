
using HiNas.Imaging.IO;

namespace HiNas.Nas.Runs;

/// <summary>
/// Numbered checkpoint folders under a root: each is written to a temporary folder, renamed into place and
/// then named in latest.json, so a crash never leaves a half-written checkpoint as the latest. The newest
/// <see cref="Keep"/> are kept.
/// </summary>
public static class CheckpointFolder
{
    public const int Keep = 2;
    private const string LatestFile = "latest.json";

    private sealed record Latest(string Folder, long Number);

    /// <summary>Writes checkpoint <paramref name="name"/> (e.g. "epoch-0003") through <paramref name="write"/>, which fills the folder it is given.</summary>
    public static void Save(string root, string name, long number, Action<string> write)
    {
        Directory.CreateDirectory(root);
        var target = Path.Combine(root, name);
        var temp = Path.Combine(root, $".{name}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(temp);
        try
        {
            write(temp);
            DurableFiles.FlushTree(temp);
            if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
            Directory.Move(temp, target);
            DurableFiles.FlushFolder(root);
        }
        finally
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        }
        RunFiles.WriteJsonAtomic(Path.Combine(root, LatestFile), new Latest(name, number));
        var prefix = name.Split('-')[0] + "-";
        foreach (var old in Directory.GetDirectories(root, prefix + "*").Order(StringComparer.Ordinal).SkipLast(Keep))
            Directory.Delete(old, recursive: true);
    }

    /// <summary>The newest complete checkpoint folder under <paramref name="root"/>, or null when there is none.</summary>
    public static string? FindLatest(string root)
    {
        var pointer = Path.Combine(root, LatestFile);
        if (!File.Exists(pointer)) return null;
        var latest = RunFiles.ReadJson<Latest>(pointer);
        var folder = Path.Combine(root, latest.Folder);
        return Directory.Exists(folder) ? folder : throw new InvalidDataException($"checkpoint '{folder}' named by {LatestFile} is missing");
    }

    public static void RequireFiles(string folder, params string[] files)
    {
        foreach (var file in files)
            if (!File.Exists(Path.Combine(folder, file))) throw new InvalidDataException($"checkpoint '{folder}' lacks {file}");
    }
}
