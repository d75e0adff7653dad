using System.Security.Cryptography;
using System.Text;
using HiNas.Imaging.IO;
using Microsoft.Extensions.Logging;

namespace HiNas.Server.Access;

/// <summary>
/// A key callers present as `authorization: Bearer KEY`: from the configuration, else an environment variable, else
/// a random key generated once and kept in a file under the state folder (readable by the owner only, written durably).
/// A key under <see cref="MinLength"/> characters from any source, or an empty key file, stops the start.
/// </summary>
public abstract class AccessKey
{
    /// <summary>The shortest key accepted, from any source.</summary>
    public const int MinLength = 16;

    private readonly byte[] _key;

    protected AccessKey(string service, string setting, string? configured, string environmentVariable, string file, ILogger logger)
    {
        Service = service;
        if (configured is { Length: > 0 })
        {
            Source = $"configuration {setting}";
            _key = Encoding.UTF8.GetBytes(configured);
        }
        else if (Environment.GetEnvironmentVariable(environmentVariable) is { Length: > 0 } fromEnvironment)
        {
            Source = $"environment {environmentVariable}";
            _key = Encoding.UTF8.GetBytes(fromEnvironment.Trim());
        }
        else
        {
            Source = file;
            if (!File.Exists(file))
            {
                Generate(file);
                logger.LogInformation("generated a key for the {Service} service in {Path}", service, file);
            }
            _key = Encoding.UTF8.GetBytes(File.ReadAllText(file).Trim());
        }
        var characters = Encoding.UTF8.GetCharCount(_key);
        if (characters < MinLength)
            throw new InvalidOperationException(
                $"the {service} key from {Source} has {characters} characters; use at least {MinLength}" +
                (Source == file ? " (or delete the file to have a key generated)" : ""));
        logger.LogInformation("{Service} key from {Source}", service, Source);
    }

    /// <summary>The service the key opens (for messages).</summary>
    public string Service { get; }

    /// <summary>Where the key came from (never the key itself).</summary>
    public string Source { get; }

    public bool Matches(string presented) => CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), _key);

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
}
