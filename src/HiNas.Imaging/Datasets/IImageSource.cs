using HiNas.Imaging.Pixels;

namespace HiNas.Imaging.Datasets;

/// <summary>A finite, indexable set of clean images.</summary>
public interface IImageSource
{
    int Count { get; }

    /// <summary>A short description for logs and run options ("deadleaves(…)" or the folder path).</summary>
    string Description { get; }

    /// <summary>A name for image <paramref name="index"/> (its relative path, or a generated name).</summary>
    string Name(int index);

    /// <summary>Loads image <paramref name="index"/> with <paramref name="channels"/> channels (1 or 3).</summary>
    PlanarImage Load(int index, int channels);
}
