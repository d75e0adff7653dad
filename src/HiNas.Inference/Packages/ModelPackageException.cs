namespace HiNas.Inference.Packages;

/// <summary>A model package that cannot be served: missing files, a corrupt graph, or a manifest that disagrees with it.</summary>
public sealed class ModelPackageException(string folder, string reason, Exception? inner = null)
    : Exception($"model package '{folder}': {reason}", inner)
{
    public string Folder { get; } = folder;
    public string Reason { get; } = reason;
}
