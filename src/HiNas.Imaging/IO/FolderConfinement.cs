namespace HiNas.Imaging.IO;

/// <summary>
/// The folders data may come from. A path is inside only when its real path (every symbolic link on the way resolved)
/// lies inside a root's real path; a data folder is acceptable only when, besides, no link inside it points outside the
/// roots. The server checks a job's data folders when the job is started; its workers get the roots in
/// <see cref="Variable"/> and check again as they open the folder and each file, so a link swapped in after the request
/// is refused too.
/// </summary>
public sealed class FolderConfinement
{
    /// <summary>The environment variable that carries the roots to a worker (separated by <see cref="Path.PathSeparator"/>).</summary>
    public const string Variable = "HINAS_DATA_ROOTS";

    private const int MaxLinkDepth = 40;

    public FolderConfinement(IEnumerable<string> roots)
    {
        Roots = roots.Select(r => RealPath(r)).Distinct(StringComparer.Ordinal).ToArray();
        if (Roots.Count == 0) throw new ArgumentException("no data roots", nameof(roots));
    }

    public IReadOnlyList<string> Roots { get; }

    /// <summary>The roots as <see cref="Variable"/> holds them.</summary>
    public string ToVariable() => string.Join(Path.PathSeparator, Roots);

    /// <summary>The confinement this process was started with (a job's worker), or null.</summary>
    public static FolderConfinement? FromEnvironment() =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value
            ? new FolderConfinement(value.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            : null;

    /// <summary>Whether a real path lies inside a root.</summary>
    public bool Contains(string realPath) => Roots.Any(root =>
        realPath == root || realPath.StartsWith(root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar, StringComparison.Ordinal));

    /// <summary>Null when <paramref name="folder"/> (its real path) lies inside the roots and nothing in it links outside; otherwise what is wrong, naming the path as given.</summary>
    public string? FolderProblem(string folder)
    {
        var real = RealPath(folder);
        if (!Contains(real)) return $"'{folder}' is outside the data roots";
        if (!Directory.Exists(real)) return null; // missing: the caller says so in its own words
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true };
        foreach (var entry in new DirectoryInfo(real).EnumerateFileSystemInfos("*", options))
            if (entry.LinkTarget is not null && !Contains(RealPath(entry.FullName)))
                return $"'{Path.GetRelativePath(real, entry.FullName)}' in '{folder}' links outside the data roots";
        return null;
    }

    /// <summary>Null when the file's real path lies inside the roots; otherwise what is wrong.</summary>
    public string? FileProblem(string path) => Contains(RealPath(path)) ? null : $"'{path}' leads outside the data roots";

    /// <summary>The path with every symbolic link resolved, component by component (missing components kept as they are).</summary>
    public static string RealPath(string path, int depth = 0)
    {
        if (depth > MaxLinkDepth) throw new IOException($"too many levels of symbolic links in '{path}'");
        var full = Path.GetFullPath(path);
        var root = Path.GetPathRoot(full)!;
        var current = root;
        foreach (var part in full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Combine(current, part);
            FileSystemInfo? target = null;
            try
            {
                target = new FileInfo(next).LinkTarget is null ? null : new FileInfo(next).ResolveLinkTarget(returnFinalTarget: true);
            }
            catch (IOException)
            {
                // a dangling or looping link: keep the name, it will fail the existence checks
            }
            current = target is null ? next : RealPath(target.FullName, depth + 1);
        }
        return current;
    }
}
