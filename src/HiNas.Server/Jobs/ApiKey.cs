using System.Security.Cryptography;
using System.Text;
using HiNas.Server.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HiNas.Server.Jobs;

/// <summary>
/// The key the Jobs service requires: HiNas:Jobs:ApiKey, else the environment variable HINAS_API_KEY, else a
/// random key generated once and kept in STATE/api-key (readable by the owner only).
/// </summary>
public sealed class ApiKey
{
    public const string EnvironmentVariable = "HINAS_API_KEY";
    public const string FileName = "api-key";

    private readonly byte[] _key;

    public ApiKey(IOptions<ServerOptions> options, ILogger<ApiKey> logger)
    {
        var o = options.Value;
        if (o.Jobs.ApiKey is { Length: > 0 } configured)
        {
            Source = "configuration HiNas:Jobs:ApiKey";
            _key = Encoding.UTF8.GetBytes(configured);
        }
        else if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: >= 16 } fromEnvironment)
        {
            Source = $"environment {EnvironmentVariable}";
            _key = Encoding.UTF8.GetBytes(fromEnvironment);
        }
        else
        {
            var path = Path.Combine(o.ResolvedStateFolder, FileName);
            Source = path;
            if (!File.Exists(path))
            {
                Directory.CreateDirectory(o.ResolvedStateFolder);
                var created = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');
                var options600 = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows()) options600.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                using (var writer = new StreamWriter(path, options600)) writer.Write(created);
                logger.LogInformation("generated an API key for the Jobs service in {Path}", path);
            }
            _key = Encoding.UTF8.GetBytes(File.ReadAllText(path).Trim());
        }
        logger.LogInformation("Jobs API key from {Source}", Source);
    }

    /// <summary>Where the key came from (never the key itself).</summary>
    public string Source { get; }

    public bool Matches(string presented) => CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), _key);
}
