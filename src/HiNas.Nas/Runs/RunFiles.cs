using System.Text.Json;
using HiNas.Imaging.IO;

namespace HiNas.Nas.Runs;

/// <summary>Atomic, durable file writes (<see cref="DurableFiles"/>): a failure or a power loss never leaves a half-written file.</summary>
public static class RunFiles
{
    public static void WriteAtomic(string path, Action<Stream> write) => DurableFiles.WriteAtomic(path, write);

    public static void WriteAllTextAtomic(string path, string text) =>
        WriteAtomic(path, stream =>
        {
            using var writer = new StreamWriter(stream, leaveOpen: true);
            writer.Write(text);
        });

    public static void WriteJsonAtomic<T>(string path, T value) => WriteAllTextAtomic(path, ToJson(value));

    /// <summary>The indented snake_case JSON every run file is written in.</summary>
    public static string ToJson<T>(T value) => JsonSerializer.Serialize(value, Indented);

    private static readonly JsonSerializerOptions Indented = new(JsonLines.Options) { WriteIndented = true };

    public static T ReadJson<T>(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"'{path}' does not exist", path);
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path), JsonLines.Options) ?? throw new InvalidDataException($"'{path}' is empty");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not valid JSON for {typeof(T).Name}: {e.Message}", e);
        }
    }
}
