namespace HiNas.Nas.Settings;

/// <summary>An exception as one line for a person: without the " (Parameter 'x')" suffix and line breaks .NET adds to argument errors.</summary>
public static class ErrorText
{
    public static string OneLine(Exception e)
    {
        var cut = e.Message.IndexOf(" (Parameter '", StringComparison.Ordinal);
        return (cut >= 0 ? e.Message[..cut] : e.Message).ReplaceLineEndings(" ").Trim();
    }
}
