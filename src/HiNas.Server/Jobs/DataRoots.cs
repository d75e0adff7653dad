using HiNas.Server.Hosting;
using HiNas.Server.Rpc;
using Microsoft.Extensions.Options;

namespace HiNas.Server.Jobs;

/// <summary>
/// The folders job data may come from. A path is accepted only when its real path (every symbolic link on the
/// way resolved) lies inside a root's real path, and no link inside the folder points outside the roots.
/// Relative paths are taken relative to the first root.
/// </summary>
public sealed class DataRoots
{
    private const int MaxLinkDepth = 40;

    public DataRoots(IOptions<ServerOptions> options)
    {
        var o = options.Value;
        var configured = o.Jobs.DataRoots.Count > 0 ? o.Jobs.DataRoots : new List<string> { Path.Combine(o.ResolvedStateFolder, "data") };
        foreach (var root in configured) Directory.CreateDirectory(root);
        Roots = configured.Select(r => RealPath(r)).Distinct(StringComparer.Ordinal).ToArray();
    }

    public IReadOnlyList<string> Roots { get; }

    /// <summary>The real path of <paramref name="path"/> when it is an existing folder inside the roots; PERMISSION_DENIED or NOT_FOUND otherwise.</summary>
    public string Confine(string field, string path)
    {
        var full = Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(Roots[0], path));
        var real = RealPath(full);
        if (!IsInside(real))
            throw new Grpc.Core.RpcException(new Grpc.Core.Status(Grpc.Core.StatusCode.PermissionDenied,
                $"{field}: '{path}' is outside the server's data roots ({string.Join(", ", Roots)}; HiNas:Jobs:DataRoots)"));
        if (!Directory.Exists(real)) throw RpcErrors.NotFound(field, $"'{path}' is not a folder under the data roots");
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true };
        foreach (var entry in new DirectoryInfo(real).EnumerateFileSystemInfos("*", options))
        {
            if (entry.LinkTarget is null) continue;
            if (!IsInside(RealPath(entry.FullName)))
                throw new Grpc.Core.RpcException(new Grpc.Core.Status(Grpc.Core.StatusCode.PermissionDenied,
                    $"{field}: '{Path.GetRelativePath(real, entry.FullName)}' in '{path}' links outside the server's data roots"));
        }
        return real;
    }

    private bool IsInside(string real) => Roots.Any(root => real == root || real.StartsWith(root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar, StringComparison.Ordinal));

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
