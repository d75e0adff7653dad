using HiNas.Server.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HiNas.Server.Access;

/// <summary>
/// The key the Jobs service requires: HiNas:Jobs:ApiKey, else HINAS_API_KEY, else generated into STATE/api-key.
/// It opens the Restoration service too, when that needs a key.
/// </summary>
public sealed class ApiKey(IOptions<ServerOptions> options, ILogger<ApiKey> logger)
    : AccessKey("Jobs", "HiNas:Jobs:ApiKey", options.Value.Jobs.ApiKey, EnvironmentVariable, Path.Combine(options.Value.ResolvedStateFolder, FileName), logger)
{
    public const string EnvironmentVariable = "HINAS_API_KEY";
    public const string FileName = "api-key";
}
