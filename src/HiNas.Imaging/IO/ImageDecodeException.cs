namespace HiNas.Imaging.IO;

/// <summary>An image file that cannot be used: unreadable, not an image, corrupt, truncated or too large.</summary>
public sealed class ImageDecodeException : Exception
{
    public ImageDecodeException(string path, string reason, Exception? inner = null)
        : base($"cannot read image '{path}': {reason}", inner)
    {
        Path = path;
        Reason = reason;
    }

    public string Path { get; }
    public string Reason { get; }
}
