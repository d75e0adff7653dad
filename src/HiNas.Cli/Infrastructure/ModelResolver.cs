using HiNas.Inference.Engine;
using HiNas.Inference.Packages;
using HiNas.Inference.Repository;

namespace HiNas.Cli.Infrastructure;

/// <summary>--model as a package folder, or as an id in --repository (default: ./models).</summary>
public static class ModelResolver
{
    public const string DefaultRepository = "models";

    public sealed class Opened(RestorationModel model, IDisposable owner) : IDisposable
    {
        public RestorationModel Model { get; } = model;

        public void Dispose() => owner.Dispose();
    }

    public static Opened Open(string modelOrId, string? repository)
    {
        if (Directory.Exists(modelOrId) && File.Exists(Path.Combine(modelOrId, ModelPackage.ManifestFile)) || modelOrId.Contains(Path.DirectorySeparatorChar))
        {
            var model = RestorationModel.Open(ModelPackage.Load(modelOrId), preferCuda: true);
            return new Opened(model, model);
        }
        var folder = repository ?? DefaultRepository;
        if (!Directory.Exists(folder)) throw new CliUsageException($"--model '{modelOrId}' is not a package folder and the repository '{folder}' does not exist (give --repository DIR)");
        var repo = new ModelRepository(folder, watch: false);
        try
        {
            return new Opened(repo.Get(modelOrId), repo);
        }
        catch (KeyNotFoundException e)
        {
            var known = string.Join(", ", repo.List().Select(m => m.Id));
            repo.Dispose();
            throw new CliUsageException($"{e.Message}{(known.Length > 0 ? $" (available: {known})" : "")}");
        }
        catch
        {
            repo.Dispose();
            throw;
        }
    }
}
