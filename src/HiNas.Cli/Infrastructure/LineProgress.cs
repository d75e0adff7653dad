namespace HiNas.Cli.Infrastructure;

/// <summary>Progress reports as lines, written at once (System.Progress would post them to the thread pool, out of order); null lines are skipped.</summary>
internal sealed class LineProgress<T>(Func<T, string?> line, TextWriter writer) : IProgress<T>
{
    public void Report(T value)
    {
        if (line(value) is { } text) writer.WriteLine(text);
    }
}
