using System.Text.Json;
using System.Text.Json.Serialization;

namespace HiNas.Nas.Runs;

/// <summary>Appends one JSON object per line to a file and flushes each line (events.jsonl).</summary>
public sealed class JsonLines : IDisposable
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly StreamWriter _writer;
    private readonly object _gate = new();

    public JsonLines(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
    }

    public void Append<T>(T record)
    {
        var line = JsonSerializer.Serialize(record, Options);
        lock (_gate) _writer.WriteLine(line);
    }

    public static IEnumerable<T> Read<T>(string path) =>
        File.ReadLines(path).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<T>(l, Options)!);

    public void Dispose()
    {
        lock (_gate) _writer.Dispose();
    }
}
