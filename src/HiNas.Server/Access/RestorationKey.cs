using HiNas.Server.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HiNas.Server.Access;

/// <summary>
/// The key the Restoration service requires when <see cref="ServerOptions.RestorationKeyRequired"/> (by default: when an
/// endpoint listens beyond loopback): HiNas:RestorationKey, else HINAS_RESTORATION_KEY, else generated into
/// STATE/restoration-key. A game or video client gets this key; the Jobs key opens Restoration too.
/// </summary>
public sealed class RestorationKey(IOptions<ServerOptions> options, ILogger<RestorationKey> logger)
    : AccessKey("Restoration", "HiNas:RestorationKey", options.Value.RestorationKey, EnvironmentVariable, Path.Combine(options.Value.ResolvedStateFolder, FileName), logger)
{
    public const string EnvironmentVariable = "HINAS_RESTORATION_KEY";
    public const string FileName = "restoration-key";
}
