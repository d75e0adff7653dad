using HiNas.Imaging.IO;

namespace HiNas.Cli.Infrastructure;

/// <summary>Which exceptions are the user's to fix (reported in one line) rather than bugs (stack trace).</summary>
public static class CliErrors
{
    public static bool IsUserError(Exception e) => e is CliUsageException or ImageDecodeException or ArgumentException
        or IOException or UnauthorizedAccessException or InvalidDataException or FormatException or NotSupportedException
        or System.Text.Json.JsonException or InvalidOperationException or KeyNotFoundException
        or HiNas.Inference.Packages.ModelPackageException;

    public static string Describe(Exception e) => e is ArgumentException ? HiNas.Nas.Settings.ErrorText.OneLine(e) : e.Message;

    /// <summary>Parser messages name CLR types ("System.Nullable`1[System.Int32]"); say what a user types instead.</summary>
    public static string DescribeParseError(string message) => message
        .Replace("System.Nullable`1[System.Int32]", "integer")
        .Replace("System.Nullable`1[System.Double]", "number")
        .Replace("System.Nullable`1[System.UInt64]", "non-negative integer")
        .Replace("System.Int32", "integer")
        .Replace("System.Double", "number")
        .Replace("System.UInt64", "non-negative integer");
}

/// <summary>A wrong combination or value of options that the parser cannot catch by itself.</summary>
public sealed class CliUsageException(string message) : Exception(message);
