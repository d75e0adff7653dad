using System.Security.Cryptography;
using System.Text;
using HiNas.Server.Hosting;
using HiNas.Imaging.IO;
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

    /// <summary>The shortest key accepted, from any source.</summary>
    public const int MinLength = 16;

    public ApiKey(IOptions<ServerOptions> options, ILogger<ApiKey> logger)
    {
        var o = options.Value;
        if (o.Jobs.ApiKey is { Length: > 0 } configured)
        {
            Source = "configuration HiNas:Jobs:ApiKey";
            _key = Encoding.UTF8.GetBytes(configured);
        }
        else if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } fromEnvironment)
        {
            Source = $"environment {EnvironmentVariable}";
            _key = Encoding.UTF8.GetBytes(fromEnvironment.Trim());
        }
        else
        {
            var path = Path.Combine(o.ResolvedStateFolder, FileName);
            Source = path;
            if (!File.Exists(path))
            {
                Generate(path);
                logger.LogInformation("generated an API key for the Jobs service in {Path}", path);
            }
            _key = Encoding.UTF8.GetBytes(File.ReadAllText(path).Trim());
        }
        var characters = Encoding.UTF8.GetCharCount(_key);
        if (characters < MinLength)
            throw new InvalidOperationException(
                $"the Jobs API key from {Source} has {characters} characters; use at least {MinLength}" +
                (Source.EndsWith(FileName, StringComparison.Ordinal) ? " (or delete the file to have a key generated)" : ""));
        logger.LogInformation("Jobs API key from {Source}", Source);
    }

    /// <summary>A random key written durably (owner-only temporary file, flushed to disk, then renamed into place).</summary>
    private static void Generate(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');
        var temp = $"{path}.{Guid.NewGuid():N}.tmp";
        var options600 = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options600.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        try
        {
            using (var stream = new FileStream(temp, options600))
            {
                stream.Write(Encoding.UTF8.GetBytes(key));
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: false);
            DurableFiles.FlushFolder(Path.GetDirectoryName(path)!);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>Where the key came from (never the key itself).</summary>
    public string Source { get; }

    public bool Matches(string presented) => CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), _key);
}
