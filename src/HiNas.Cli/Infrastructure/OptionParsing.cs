using System.Globalization;

namespace HiNas.Cli.Infrastructure;

public static class OptionParsing
{
    /// <summary>"W" (square) or "WxH" → (width, height), both positive.</summary>
    public static (int Width, int Height) ParseSize(string text, string optionName)
    {
        var parts = text.Trim().ToLowerInvariant().Split('x');
        if (parts.Length is 1 or 2 && TryPositive(parts[0], out var width))
        {
            if (parts.Length == 1) return (width, width);
            if (TryPositive(parts[1], out var height)) return (width, height);
        }
        throw new CliUsageException($"{optionName} '{text}' is not a size: use W or WxH with positive integers, e.g. 256 or 320x240");
    }

    private static bool TryPositive(string text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value > 0;
}
