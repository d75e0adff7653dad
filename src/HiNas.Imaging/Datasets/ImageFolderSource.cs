using HiNas.Imaging.IO;
using HiNas.Imaging.Pixels;

namespace HiNas.Imaging.Datasets;

/// <summary>Every PNG/JPEG/BMP file below a folder (recursive), in ordinal order of relative path.</summary>
public sealed class ImageFolderSource : IImageSource
{
    private readonly string _root;
    private readonly string[] _files;
    private readonly ImageLoadOptions _loadOptions;

    public ImageFolderSource(string folder, ImageLoadOptions? loadOptions = null)
    {
        if (string.IsNullOrWhiteSpace(folder)) throw new ArgumentException("the data folder is empty", nameof(folder));
        _root = Path.GetFullPath(folder);
        _loadOptions = loadOptions ?? ImageLoadOptions.Default;
        if (_loadOptions.Confinement?.FolderProblem(_root) is { } problem) throw new UnauthorizedAccessException($"data folder: {problem}");
        if (!Directory.Exists(_root)) throw new DirectoryNotFoundException($"data folder '{folder}' does not exist");
        _files = Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories)
            .Where(ImageFile.HasImageExtension)
            .Select(f => Path.GetRelativePath(_root, f))
            .OrderBy(f => f, StringComparer.Ordinal)
            .ToArray();
        if (_files.Length == 0) throw new InvalidDataException($"data folder '{folder}' has no .png, .jpg, .jpeg or .bmp files");
    }

    public int Count => _files.Length;

    public string Description => _root;

    public string Name(int index) => _files[index];

    public PlanarImage Load(int index, int channels)
    {
        var mode = channels switch
        {
            1 => ColorMode.Gray,
            3 => ColorMode.Rgb,
            _ => throw new ArgumentOutOfRangeException(nameof(channels), channels, "channels must be 1 or 3"),
        };
        var path = Path.Combine(_root, _files[index]);
        if (_loadOptions.Confinement?.FileProblem(path) is { } problem) throw new UnauthorizedAccessException($"data file: {problem}");
        return ImageFile.Load(path, mode, _loadOptions);
    }
}
