using System.Security.Cryptography;
using System.Text.Json;
using HiNas.Imaging.IO;

namespace HiNas.Inference.Packages;

/// <summary>
/// A model package on disk: a folder holding model.onnx and manifest.json. Loading checks that both exist,
/// that the manifest is complete, and that model.onnx has the manifest's size and SHA-256 (a half-copied or
/// altered package is refused). Publishing writes a temporary sibling folder and renames it into place, so a
/// reader never sees a half-written package.
/// </summary>
public sealed class ModelPackage
{
    public const string ModelFile = "model.onnx";
    public const string ManifestFile = "manifest.json";

    private ModelPackage(string folder, ModelManifest manifest)
    {
        Folder = folder;
        Manifest = manifest;
    }

    public string Folder { get; }
    public ModelManifest Manifest { get; }
    public string ModelPath => Path.Combine(Folder, ModelFile);
    public string Id => Manifest.Id;

    public static ModelPackage Load(string folder)
    {
        try
        {
            return Read(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // e.g. removed or replaced while being read: the folder is not a package now
            throw new ModelPackageException(folder, "could not be read", e);
        }
    }

    private static ModelPackage Read(string folder)
    {
        var full = Path.GetFullPath(folder);
        if (!Directory.Exists(full)) throw new ModelPackageException(folder, "no such folder");
        var manifestPath = Path.Combine(full, ManifestFile);
        var modelPath = Path.Combine(full, ModelFile);
        if (!File.Exists(manifestPath)) throw new ModelPackageException(folder, $"{ManifestFile} is missing");
        if (!File.Exists(modelPath)) throw new ModelPackageException(folder, $"{ModelFile} is missing");
        ModelManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<ModelManifest>(File.ReadAllText(manifestPath), ModelManifest.Json);
        }
        catch (JsonException e)
        {
            throw new ModelPackageException(folder, $"{ManifestFile} is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1})", e);
        }
        if (manifest is null) throw new ModelPackageException(folder, $"{ManifestFile} is empty");
        if (manifest.Problem() is { } problem) throw new ModelPackageException(folder, $"{ManifestFile}: {problem}");
        var length = new FileInfo(modelPath).Length;
        if (length != manifest.ModelBytes)
            throw new ModelPackageException(folder, $"{ModelFile} has {length} bytes but the manifest says {manifest.ModelBytes} (incomplete copy?)");
        var hash = Sha256(File.ReadAllBytes(modelPath));
        if (!string.Equals(hash, manifest.ModelSha256, StringComparison.OrdinalIgnoreCase))
            throw new ModelPackageException(folder, $"{ModelFile} does not match the manifest's SHA-256 (corrupt or replaced)");
        return new ModelPackage(full, manifest);
    }

    /// <summary>
    /// Writes a package for <paramref name="onnx"/> at <paramref name="folder"/> atomically; the manifest's size and
    /// hash fields are filled in here. An existing package there is replaced only with <paramref name="overwrite"/>.
    /// </summary>
    public static ModelPackage Publish(string folder, ModelManifest manifest, byte[] onnx, bool overwrite = false)
    {
        var full = Path.GetFullPath(folder);
        var complete = manifest with { ModelBytes = onnx.LongLength, ModelSha256 = Sha256(onnx) };
        if (complete.Problem() is { } problem) throw new ArgumentException($"manifest: {problem}");
        if (Directory.Exists(full) && !overwrite) throw new IOException($"'{folder}' already exists; choose another folder or replace it explicitly");
        var parent = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(parent);
        var temp = Path.Combine(parent, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        var old = Path.Combine(parent, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.old");
        Directory.CreateDirectory(temp);
        try
        {
            File.WriteAllBytes(Path.Combine(temp, ModelFile), onnx);
            File.WriteAllText(Path.Combine(temp, ManifestFile), JsonSerializer.Serialize(complete, ModelManifest.Json));
            DurableFiles.FlushTree(temp);
            if (Directory.Exists(full)) Directory.Move(full, old);
            Directory.Move(temp, full);
            DurableFiles.FlushFolder(parent);
        }
        finally
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
            if (Directory.Exists(old)) Directory.Delete(old, recursive: true);
        }
        return new ModelPackage(full, complete);
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>Whether a folder name is a temporary of <see cref="Publish"/> (repositories skip them).</summary>
    public static bool IsTemporary(string folderName) => folderName.StartsWith('.') && (folderName.EndsWith(".tmp", StringComparison.Ordinal) || folderName.EndsWith(".old", StringComparison.Ordinal));
}
