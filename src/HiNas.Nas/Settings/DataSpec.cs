using System.Globalization;
using HiNas.Imaging.Datasets;
using HiNas.Imaging.Datasets.Photos;
using HiNas.Imaging.IO;

namespace HiNas.Nas.Settings;

/// <summary>
/// Where training images come from: a folder (recursive PNG/JPEG/BMP), or the procedural dead-leaves model
/// ("deadleaves", optionally "deadleaves:COUNTxSIZE", e.g. deadleaves:64x128). Validation images are held out:
/// a folder with <c>train/</c> and <c>validation/</c> folders (a photo collection, <see cref="PhotoCollection"/>) is a
/// fixed split, of which nothing else is read (its <c>evaluation/</c> stays for evaluations); of any other folder a
/// seeded 10% (at least one image); of dead leaves a separate seed stream.
/// </summary>
public sealed record DataSpec
{
    public const int DefaultDeadLeavesCount = 48;
    public const int DefaultDeadLeavesSize = 128;
    public const int DefaultValidationImages = 4;

    public string? Folder { get; init; }
    public int DeadLeavesCount { get; init; } = DefaultDeadLeavesCount;
    public int DeadLeavesSize { get; init; } = DefaultDeadLeavesSize;

    public bool IsDeadLeaves => Folder is null;

    public override string ToString() => IsDeadLeaves
        ? string.Create(CultureInfo.InvariantCulture, $"deadleaves:{DeadLeavesCount}x{DeadLeavesSize}")
        : Folder!;

    /// <summary>Whether the text names dead leaves ("deadleaves" or "deadleaves:…"), not a folder.</summary>
    public static bool IsDeadLeavesText(string text) => text == "deadleaves" || text.StartsWith("deadleaves:", StringComparison.Ordinal);

    /// <summary>Parses the data setting: a folder (made absolute), deadleaves or deadleaves:COUNTxSIZE.</summary>
    public static DataSpec Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text == "deadleaves") return new DataSpec();
        if (IsDeadLeavesText(text))
        {
            var parts = text["deadleaves:".Length..].Split('x');
            if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var count)
                && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size) && count is >= 2 and <= 100_000 && size is >= 16 and <= 4096)
                return new DataSpec { DeadLeavesCount = count, DeadLeavesSize = size };
            throw new SettingException("data", $"'{text}' must be deadleaves or deadleaves:COUNTxSIZE with COUNT in [2, 100000] and SIZE in [16, 4096]");
        }
        return new DataSpec { Folder = Path.GetFullPath(text) };
    }

    /// <summary>
    /// The clean training and validation images, loaded into memory. In a job's worker the folder and every file are
    /// confined to the server's data roots (<see cref="FolderConfinement.Variable"/>).
    /// </summary>
    public (IReadOnlyList<Imaging.Pixels.PlanarImage> Train, IReadOnlyList<Imaging.Pixels.PlanarImage> Validation) Load(int channels, ulong seed, ImageLoadOptions? loadOptions = null)
    {
        if (IsDeadLeaves)
        {
            var train = new DeadLeavesSource(DeadLeavesCount, DeadLeavesSize, DeadLeavesSize, seed);
            var validation = new DeadLeavesSource(DefaultValidationImages, DeadLeavesSize, DeadLeavesSize, seed ^ 0x5EED_0F_7A11DA7EUL);
            return (LoadAll(train, channels), LoadAll(validation, channels));
        }
        loadOptions ??= ImageLoadOptions.Default;
        if (loadOptions.Confinement is null && FolderConfinement.FromEnvironment() is { } roots) loadOptions = loadOptions with { Confinement = roots };
        var (trainFolder, validationFolder) = (Path.Combine(Folder!, PhotoSplit.Train.Folder()), Path.Combine(Folder!, PhotoSplit.Validation.Folder()));
        if (Directory.Exists(trainFolder) && Directory.Exists(validationFolder))
        {
            return (LoadAll(new ImageFolderSource(trainFolder, loadOptions), channels), LoadAll(new ImageFolderSource(validationFolder, loadOptions), channels));
        }
        var source = new ImageFolderSource(Folder!, loadOptions);
        if (source.Count < 3) throw new InvalidDataException($"data folder '{Folder}' has {source.Count} image(s); search and training need at least 3 (train and validation)");
        var split = DatasetSplit.Create(source.Count, 0.1, seed);
        return (LoadAll(source, split.First, channels), LoadAll(source, split.Second, channels));
    }

    private static IReadOnlyList<Imaging.Pixels.PlanarImage> LoadAll(IImageSource source, int channels) => LoadAll(source, Enumerable.Range(0, source.Count), channels);

    private static IReadOnlyList<Imaging.Pixels.PlanarImage> LoadAll(IImageSource source, IEnumerable<int> indices, int channels)
    {
        var list = indices.ToArray();
        var images = new Imaging.Pixels.PlanarImage[list.Length];
        Parallel.For(0, list.Length, i => images[i] = source.Load(list[i], channels));
        return images;
    }
}
