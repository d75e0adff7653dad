using HiNas.Inference.Packages;
using Microsoft.Extensions.Logging;

namespace HiNas.Server.Hosting;

/// <summary>
/// The model packages built into the server (default-models/ next to it, from the repository's models/ folder).
/// On start, each one whose id the repository lacks is copied in (atomically, through a temporary folder); a
/// package already there is never replaced.
/// </summary>
public static class DefaultModels
{
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "default-models");

    public static void Seed(string repository, ILogger logger)
    {
        if (!Directory.Exists(Folder)) return;
        Directory.CreateDirectory(repository);
        foreach (var source in Directory.GetDirectories(Folder).Order(StringComparer.Ordinal))
        {
            ModelPackage package;
            try
            {
                package = ModelPackage.Load(source);
            }
            catch (ModelPackageException e)
            {
                logger.LogWarning("embedded default model {Folder} is unusable: {Reason}", source, e.Reason);
                continue;
            }
            var target = Path.Combine(repository, package.Id);
            if (Directory.Exists(target)) continue;
            var temp = Path.Combine(repository, $".{package.Id}.{Guid.NewGuid():N}.tmp");
            Directory.CreateDirectory(temp);
            foreach (var file in new[] { ModelPackage.ModelFile, ModelPackage.ManifestFile })
                File.Copy(Path.Combine(source, file), Path.Combine(temp, file));
            try
            {
                Directory.Move(temp, target);
                logger.LogInformation("seeded default model {Id} into {Folder}", package.Id, target);
            }
            catch (IOException)
            {
                Directory.Delete(temp, recursive: true); // another process seeded it first
            }
        }
    }
}
