using System.Text.Json;

namespace HiNas.Search.Runs;

/// <summary>Small atomic file writes for run folders.</summary>
public static class RunFiles
{
    public static void WriteAllTextAtomic(string path, string text)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = $"{full}.{Guid.NewGuid():N}.tmp";
        File.WriteAllText(temp, text);
        File.Move(temp, full, overwrite: true);
    }

    public static void WriteJsonAtomic<T>(string path, T value) =>
        WriteAllTextAtomic(path, JsonSerializer.Serialize(value, new JsonSerializerOptions(JsonLines.Options) { WriteIndented = true }));

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
