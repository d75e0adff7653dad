using System.Text.Json;

namespace HiNas.Nas.Runs;

/// <summary>Atomic file writes (a temporary sibling, then a rename), so a failure never leaves a half-written file.</summary>
public static class RunFiles
{
    public static void WriteAtomic(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = File.Create(temp)) write(stream);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

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
