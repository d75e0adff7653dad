using System.Text.RegularExpressions;
using HiNas.Server.Hosting;
using Microsoft.Extensions.Options;

namespace HiNas.Server.Rpc;

/// <summary>
/// Keeps the server's file-system layout out of what clients read (error details, job errors, <c>ListModels</c>
/// problems): the state, models and data folders become STATE, MODELS and DATA, and any other absolute path its last
/// component. The server log keeps the full text.
/// </summary>
public sealed partial class ServerPaths
{
    private readonly (string Folder, string Name)[] _known;

    public ServerPaths(IOptions<ServerOptions> options)
    {
        var o = options.Value;
        var known = new List<(string, string)> { (o.ResolvedModelsFolder, "MODELS"), (o.ResolvedStateFolder, "STATE") };
        known.AddRange(o.Jobs.DataRoots.Select(r => (Path.GetFullPath(r), "DATA")));
        _known = known.Select(k => (k.Item1.TrimEnd(Path.DirectorySeparatorChar), k.Item2)).Where(k => k.Item1.Length > 1)
            .OrderByDescending(k => k.Item1.Length).ToArray();
    }

    /// <summary>The text with server folders named and other absolute paths cut to their last component.</summary>
    public string Redact(string text)
    {
        foreach (var (folder, name) in _known) text = text.Replace(folder, name, StringComparison.Ordinal);
        return AbsolutePath().Replace(text, m => Path.GetFileName(m.Value.TrimEnd('/')) is { Length: > 0 } last ? last : "/");
    }

    /// <summary>A folder of the model repository as clients see it: its path under the repository.</summary>
    public string ModelFolder(string folder, string repository) => Path.GetRelativePath(repository, folder) is var relative && !relative.StartsWith("..", StringComparison.Ordinal) ? relative : Redact(folder);

    [GeneratedRegex(@"(?<![\w.~])/(?:[^\s'""/:,;()\[\]]+/)*[^\s'""/:,;()\[\]]*")]
    private static partial Regex AbsolutePath();
}
