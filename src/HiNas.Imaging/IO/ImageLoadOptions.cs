namespace HiNas.Imaging.IO;

/// <summary>Limits applied before an image is decoded.</summary>
public sealed record ImageLoadOptions
{
    /// <summary>The default pixel limit: 64 megapixels (a 8K×8K image).</summary>
    public const long DefaultMaxPixels = 64L * 1024 * 1024;

    public static ImageLoadOptions Default { get; } = new();

    /// <summary>Images with more pixels than this are refused before decoding.</summary>
    public long MaxPixels { get; init; } = DefaultMaxPixels;

    /// <summary>When set, image folders and every file read from them must lie inside its roots (checked as they are opened).</summary>
    public FolderConfinement? Confinement { get; init; }
}
