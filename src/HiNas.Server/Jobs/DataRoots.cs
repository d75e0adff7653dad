using HiNas.Imaging.IO;
using HiNas.Server.Hosting;
using HiNas.Server.Rpc;
using Microsoft.Extensions.Options;

namespace HiNas.Server.Jobs;

/// <summary>
/// The folders job data may come from (<see cref="FolderConfinement"/>): a job's data folder must lie inside them, with
/// no link inside it pointing outside; the workers get the same roots and check again as they open the data.
/// Relative paths are taken relative to the first root. Errors name the setting, not the server's folders.
/// </summary>
public sealed class DataRoots
{
    public DataRoots(IOptions<ServerOptions> options)
    {
        var o = options.Value;
        var configured = o.Jobs.DataRoots.Count > 0 ? o.Jobs.DataRoots : new List<string> { Path.Combine(o.ResolvedStateFolder, "data") };
        foreach (var root in configured) Directory.CreateDirectory(root);
        Confinement = new FolderConfinement(configured);
    }

    public FolderConfinement Confinement { get; }

    public IReadOnlyList<string> Roots => Confinement.Roots;

    /// <summary>The real path of <paramref name="path"/> when it is an existing folder inside the roots; PERMISSION_DENIED or NOT_FOUND otherwise.</summary>
    public string Confine(string field, string path)
    {
        var full = Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(Roots[0], path));
        if (Confinement.FolderProblem(full) is { } problem)
            throw new Grpc.Core.RpcException(new Grpc.Core.Status(Grpc.Core.StatusCode.PermissionDenied,
                $"{field}: {problem.Replace($"'{full}'", $"'{path}'")} of the server (HiNas:Jobs:DataRoots)"));
        var real = FolderConfinement.RealPath(full);
        if (!Directory.Exists(real)) throw RpcErrors.NotFound(field, $"'{path}' is not a folder under the data roots");
        return real;
    }
}
