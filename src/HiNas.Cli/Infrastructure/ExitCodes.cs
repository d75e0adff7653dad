namespace HiNas.Cli.Infrastructure;

public static class ExitCodes
{
    public const int Success = 0;
    /// <summary>The command ran and failed (bad file, bad value, I/O).</summary>
    public const int Failure = 1;
    /// <summary>The command line itself was wrong.</summary>
    public const int Usage = 2;
    public const int Cancelled = 130;
}
