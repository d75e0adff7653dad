using System.Globalization;

namespace HiNas.Imaging.Datasets.Photos;

/// <summary>
/// One photograph of a collection: where it comes from (a file of a Debian package at a version, with its SHA-256),
/// the split it belongs to, its licence as the package's copyright file states it, and the region kept (borders, text
/// or logos cropped away; null keeps the whole photograph).
/// </summary>
public sealed record PhotoSource(string Id, string Package, string Version, string PathInPackage, string Sha256, PhotoSplit Split, string Licence, PhotoRegion? Region);

/// <summary>A rectangle of a photograph in its own pixels.</summary>
public sealed record PhotoRegion(int X, int Y, int Width, int Height)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{X},{Y},{Width},{Height}");
}

/// <summary>
/// Reads a collection's source list: tab-separated lines <c>id package version path sha256 split licence region</c>
/// (region <c>x,y,w,h</c> or <c>-</c>), <c>#</c> comments and blank lines skipped. Every problem names its line.
/// </summary>
public static class PhotoSources
{
    public const int Columns = 8;

    public static IReadOnlyList<PhotoSource> Parse(string text, string name)
    {
        var sources = new List<PhotoSource>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var files = new HashSet<(string, string)>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#')) continue;
            var where = $"{name}, line {i + 1}";
            var cells = line.Split('\t');
            if (cells.Length != Columns)
                throw new InvalidDataException($"{where}: {cells.Length} tab-separated columns, expected {Columns} (id package version path sha256 split licence region)");
            var (id, package, version, path, sha256, splitText, licence, regionText) = (cells[0], cells[1], cells[2], cells[3], cells[4], cells[5], cells[6], cells[7]);
            if (id.Length == 0 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
                throw new InvalidDataException($"{where}: id '{id}' must be letters, digits, '-' and '_' (it names the output file)");
            if (!ids.Add(id)) throw new InvalidDataException($"{where}: id '{id}' appears twice");
            if (package.Length == 0 || version.Length == 0) throw new InvalidDataException($"{where}: the package and its version must be given");
            if (path.Length == 0 || Path.IsPathRooted(path) || path.Split('/').Contains(".."))
                throw new InvalidDataException($"{where}: path '{path}' must be relative to the package's root, without '..'");
            if (!files.Add((package, path))) throw new InvalidDataException($"{where}: {package}'s '{path}' is listed twice");
            if (sha256.Length != 64 || !sha256.All(char.IsAsciiHexDigitLower))
                throw new InvalidDataException($"{where}: sha256 '{sha256}' must be 64 lower-case hex digits");
            if (!PhotoSplits.TryParse(splitText, out var split))
                throw new InvalidDataException($"{where}: split '{splitText}' must be train, validation or evaluation");
            if (licence.Length == 0) throw new InvalidDataException($"{where}: the licence must be given");
            sources.Add(new PhotoSource(id, package, version, path, sha256, split, licence, ParseRegion(regionText, where)));
        }
        if (sources.Count == 0) throw new InvalidDataException($"{name} lists no photographs");
        return sources;
    }

    private static PhotoRegion? ParseRegion(string text, string where)
    {
        if (text == "-") return null;
        var parts = text.Split(',');
        var values = new int[4];
        if (parts.Length != 4 || !parts.Select((p, k) => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out values[k])).All(ok => ok)
            || values[2] < 1 || values[3] < 1)
            throw new InvalidDataException($"{where}: region '{text}' must be x,y,width,height (non-negative integers, a positive size) or '-'");
        return new PhotoRegion(values[0], values[1], values[2], values[3]);
    }
}
