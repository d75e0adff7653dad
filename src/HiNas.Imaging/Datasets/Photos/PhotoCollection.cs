using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using HiNas.Imaging.Degradations;
using HiNas.Imaging.IO;
using HiNas.Imaging.Pixels;

namespace HiNas.Imaging.Datasets.Photos;

/// <summary>What a collection holds: one entry per photograph, in the source list's order.</summary>
public sealed record PhotoManifest(int MaxSide, IReadOnlyList<PhotoEntry> Photos)
{
    public const string FileName = "manifest.json";
}

/// <summary>A written photograph: its file in the collection, where it came from, and what was done to it.</summary>
public sealed record PhotoEntry(string Id, string Split, string File, string Package, string Version, string Path, string Sha256, string Licence,
    string? Region, int Downscale, int Width, int Height);

/// <summary>
/// Writes a photo collection from extracted Debian packages: each listed file is checked against its SHA-256,
/// decoded as RGB, cropped to its region, downscaled by the smallest integer factor that brings its longer side to at
/// most <c>maxSide</c> (MATLAB-style bicubic with antialiasing, which also averages away the sensor noise and JPEG
/// artefacts of large wallpapers), and written as PNG into the folder of its split, with <see cref="PhotoManifest"/>
/// and each package's copyright file under <c>licences/</c>. Two photographs that look alike (normalised 16 × 16
/// thumbnails: copies, rescaled or re-encoded ones) are refused, so no photograph reaches two splits twice over; other
/// views and crops of a scene are the source list's to leave out (its comments name them). The collection appears at
/// once, by a rename, or not at all.
/// </summary>
public static class PhotoCollection
{
    public const int DefaultMaxSide = 1024;
    public const int MinimumSide = 96;
    public const string LicenceFolder = "licences";

    /// <summary>Mean absolute difference of normalised thumbnails under which two photographs count as the same.</summary>
    public const double DuplicateDistance = 0.12;

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>
    /// Writes the collection of <paramref name="sources"/> found under <paramref name="packagesRoot"/> (one folder per
    /// package, the package's files below it as <c>dpkg-deb -x</c> leaves them) into <paramref name="outDir"/>, which
    /// must not exist or must hold an earlier collection (it is replaced).
    /// </summary>
    public static PhotoManifest Write(IReadOnlyList<PhotoSource> sources, string packagesRoot, string outDir, int maxSide = DefaultMaxSide)
    {
        if (maxSide < MinimumSide) throw new ArgumentOutOfRangeException(nameof(maxSide), maxSide, $"the longest side must be at least {MinimumSide} pixels");
        var output = System.IO.Path.GetFullPath(outDir);
        if (File.Exists(output)) throw new IOException($"'{outDir}' is a file, not a folder for the collection");
        if (Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any() && !File.Exists(System.IO.Path.Combine(output, PhotoManifest.FileName)))
            throw new IOException($"'{outDir}' exists and is not a photo collection (no {PhotoManifest.FileName}); it is left as it is");

        var photos = new (PlanarImage Image, PhotoEntry Entry)[sources.Count];
        var failures = new Exception?[sources.Count];
        Parallel.For(0, sources.Count, i =>
        {
            try
            {
                photos[i] = Prepare(sources[i], packagesRoot, maxSide);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ImageDecodeException or UnauthorizedAccessException)
            {
                failures[i] = e;
            }
        });
        if (failures.FirstOrDefault(f => f is not null) is { } first) // the first in the list's order, whichever thread met it
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
        RefuseDuplicates(photos.Select(p => (p.Entry, Signature(p.Image))).ToArray());

        var parent = System.IO.Path.GetDirectoryName(output)!;
        Directory.CreateDirectory(parent);
        var staging = System.IO.Path.Combine(parent, $".{System.IO.Path.GetFileName(output)}.{Guid.NewGuid():N}.tmp");
        try
        {
            foreach (var (image, entry) in photos)
            {
                var file = System.IO.Path.Combine(staging, entry.File);
                Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
                File.WriteAllBytes(file, ImageFile.EncodePng(image));
            }
            foreach (var package in sources.Select(s => s.Package).Distinct(StringComparer.Ordinal))
            {
                var copyright = System.IO.Path.Combine(packagesRoot, package, "usr", "share", "doc", package, "copyright");
                if (!File.Exists(copyright)) throw new FileNotFoundException($"package {package} has no copyright file at '{copyright}'", copyright);
                Directory.CreateDirectory(System.IO.Path.Combine(staging, LicenceFolder));
                File.Copy(copyright, System.IO.Path.Combine(staging, LicenceFolder, $"{package}.copyright"));
            }
            var manifest = new PhotoManifest(maxSide, photos.Select(p => p.Entry).ToArray());
            File.WriteAllText(System.IO.Path.Combine(staging, PhotoManifest.FileName), JsonSerializer.Serialize(manifest, Json) + "\n");
            DurableFiles.FlushTree(staging);
            Publish(staging, output);
            return manifest;
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    private static (PlanarImage, PhotoEntry) Prepare(PhotoSource source, string packagesRoot, int maxSide)
    {
        var name = $"{source.Id} ({source.Package}: {source.PathInPackage})";
        var path = System.IO.Path.Combine(packagesRoot, source.Package, source.PathInPackage);
        if (!File.Exists(path)) throw new FileNotFoundException($"{name}: not found at '{path}' (is {source.Package} {source.Version} extracted there?)", path);
        var bytes = File.ReadAllBytes(path);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (sha256 != source.Sha256)
            throw new InvalidDataException($"{name}: SHA-256 {sha256} is not the listed {source.Sha256} (another version of the package?)");
        var image = ImageFile.Decode(bytes, path, ColorMode.Rgb);
        if (IsGray(image)) throw new InvalidDataException($"{name}: a gray photograph; the collection is RGB");
        if (source.Region is { } r)
        {
            if (r.X + r.Width > image.Width || r.Y + r.Height > image.Height)
                throw new InvalidDataException($"{name}: region {r} lies outside its {image.Width}×{image.Height} pixels");
            image = image.Crop(r.Y, r.X, r.Height, r.Width);
        }
        var factor = (Math.Max(image.Width, image.Height) + maxSide - 1) / maxSide;
        if (factor > 1) image = MatlabBicubic.Downscale(image, factor);
        if (Math.Min(image.Width, image.Height) < MinimumSide)
            throw new InvalidDataException($"{name}: {image.Width}×{image.Height} after cropping and downscaling by {factor}; both sides must be at least {MinimumSide}");
        var file = $"{source.Split.Folder()}/{source.Id}.png";
        return (image, new PhotoEntry(source.Id, source.Split.Folder(), file, source.Package, source.Version, source.PathInPackage, source.Sha256,
            source.Licence, source.Region?.ToString(), factor, image.Width, image.Height));
    }

    private static bool IsGray(PlanarImage image)
    {
        Span<float> r = image.Plane(0), g = image.Plane(1), b = image.Plane(2);
        for (var i = 0; i < r.Length; i++)
            if (Math.Abs(r[i] - g[i]) > 2f / 255 || Math.Abs(r[i] - b[i]) > 2f / 255) return false;
        return true;
    }

    /// <summary>A 16 × 16 luma thumbnail (area means) normalised to zero mean and unit deviation.</summary>
    public static float[] Signature(PlanarImage image)
    {
        const int size = 16;
        var cells = new double[size * size];
        var counts = new int[size * size];
        for (var y = 0; y < image.Height; y++)
        for (var x = 0; x < image.Width; x++)
        {
            var cell = y * size / image.Height * size + x * size / image.Width;
            cells[cell] += 0.299 * image[0, y, x] + 0.587 * image[1, y, x] + 0.114 * image[2, y, x];
            counts[cell]++;
        }
        for (var i = 0; i < cells.Length; i++) cells[i] /= Math.Max(counts[i], 1);
        var mean = cells.Average();
        var deviation = Math.Sqrt(cells.Average(v => (v - mean) * (v - mean)));
        return cells.Select(v => (float)((v - mean) / Math.Max(deviation, 1e-6))).ToArray();
    }

    /// <summary>Mean absolute difference of two signatures.</summary>
    public static double Distance(float[] a, float[] b) => a.Zip(b, (p, q) => Math.Abs(p - q)).Average();

    private static void RefuseDuplicates(IReadOnlyList<(PhotoEntry Entry, float[] Signature)> photos)
    {
        for (var i = 0; i < photos.Count; i++)
        for (var j = i + 1; j < photos.Count; j++)
        {
            var distance = Distance(photos[i].Signature, photos[j].Signature);
            if (distance < DuplicateDistance)
                throw new InvalidDataException($"{photos[i].Entry.Id} ({photos[i].Entry.Path}) and {photos[j].Entry.Id} ({photos[j].Entry.Path}) look alike (thumbnail distance {distance:F3} < {DuplicateDistance}): list one of them");
        }
    }

    private static void Publish(string staging, string output)
    {
        if (!Directory.Exists(output))
        {
            Directory.Move(staging, output);
        }
        else
        {
            var previous = $"{output}.{Guid.NewGuid():N}.old";
            Directory.Move(output, previous);
            Directory.Move(staging, output);
            Directory.Delete(previous, recursive: true);
        }
        DurableFiles.FlushFolder(System.IO.Path.GetDirectoryName(output)!);
    }
}
