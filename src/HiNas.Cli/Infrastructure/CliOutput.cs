namespace HiNas.Cli.Infrastructure;

/// <summary>Where a command writes: results to stdout, errors (one line each) to stderr.</summary>
public sealed class CliOutput
{
    public CliOutput(TextWriter stdout, TextWriter stderr)
    {
        Out = stdout;
        Error = stderr;
    }

    public TextWriter Out { get; }
    public TextWriter Error { get; }

    public void Fail(string message) => Error.WriteLine($"hinas: error: {OneLine(message)}");

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();
}
