using System.Text;

namespace HiNas.Server.Jobs;

/// <summary>Reads the complete lines appended to a run's events.jsonl since the last read (the worker is still writing it).</summary>
public sealed class EventTail(string path, long skipLines)
{
    private long _offset;
    private long _lines;
    private readonly StringBuilder _partial = new();

    /// <summary>New complete lines with their 0-based line numbers in the file; the first <c>skipLines</c> are never returned.</summary>
    public IReadOnlyList<(long Line, string Text)> ReadNew()
    {
        var lines = new List<(long, string)>();
        if (!File.Exists(path)) return lines;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (stream.Length < _offset) return lines; // never shrinks for a run folder; ignore a replaced file
        stream.Seek(_offset, SeekOrigin.Begin);
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false);
        var text = reader.ReadToEnd();
        _offset = stream.Position;
        _partial.Append(text);
        var all = _partial.ToString();
        var end = all.LastIndexOf('\n');
        if (end < 0) return lines;
        foreach (var line in all[..end].Split('\n'))
        {
            var number = _lines++;
            if (number >= skipLines && line.Trim().Length > 0) lines.Add((number, line));
        }
        _partial.Clear().Append(all[(end + 1)..]);
        return lines;
    }
}
