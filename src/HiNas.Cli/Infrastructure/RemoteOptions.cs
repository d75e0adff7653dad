using System.CommandLine;
using Google.Protobuf;
using HiNas.Client;

namespace HiNas.Cli.Infrastructure;

/// <summary>--server and --api-key of the remote commands (`hinas jobs`, `hinas models`).</summary>
public sealed class RemoteOptions
{
    public const string DefaultServer = "http://127.0.0.1:5080";

    /// <summary>Remote JSON output: proto3 JSON with the .proto field names (snake_case, as the rest of the CLI).</summary>
    public static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithPreserveProtoFieldNames(true).WithFormatDefaultValues(false));

    public Option<string> Server { get; } = new("--server") { Description = $"the HiNas.Realtime server (default {DefaultServer})", DefaultValueFactory = _ => DefaultServer };

    public Option<string?> ApiKey { get; } = new("--api-key")
    {
        Description = "the Jobs API key (default: environment HINAS_API_KEY, else the local server's ~/.local/share/hinas/api-key)",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Server);
        command.Options.Add(ApiKey);
    }

    public HiNasClientOptions Resolve(ParseResult parse)
    {
        var text = parse.GetValue(Server) ?? DefaultServer;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
            throw new CliUsageException($"--server '{text}' is not an http:// or https:// URL (e.g. {DefaultServer})");
        return new HiNasClientOptions { Address = uri, ApiKey = parse.GetValue(ApiKey) ?? Environment.GetEnvironmentVariable("HINAS_API_KEY") ?? LocalKey() };
    }

    private static string? LocalKey()
    {
        var path = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "hinas", "api-key");
        try
        {
            return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
