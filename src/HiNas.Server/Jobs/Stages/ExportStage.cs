using System.Globalization;
using HiNas.Inference.Packages;
using HiNas.Inference.Repository;
using HiNas.Nas.Workers;
using HiNas.Protocol.V1;

namespace HiNas.Server.Jobs.Stages;

/// <summary>
/// A training job's last stage: the trained network exported (ONNX parity-checked against TorchSharp) and published
/// atomically into the model repository under the job's model id, in the job's precision (int8: calibrated and tuned on
/// the run's training images, within the job's tolerance of float or the job fails), with its latency when the job had a budget.
/// </summary>
public sealed class ExportStage(JobStore store, ModelRepository repository) : IStageLauncher
{
    public string Stage => WorkerStage.Export;

    public StageRun? Prepare(JobRecord job)
    {
        var modelId = job.Status.ModelId ?? throw new InvalidOperationException("a training job without a model id");
        var target = Path.Combine(repository.Folder, modelId);
        if (AlreadyPublished(job, target)) return null;
        var options = Path.Combine(job.Folder, JobFiles.ExportOptionsFile);
        var size = job.Status.LatencyResolution?.Split('x');
        new ExportOptions
        {
            Checkpoint = JobFiles.RunFolder(job, WorkerStage.Train), Out = target, Id = modelId,
            MeasureWidth = size is null ? null : int.Parse(size[0], CultureInfo.InvariantCulture),
            MeasureHeight = size is null ? null : int.Parse(size[1], CultureInfo.InvariantCulture),
            BudgetMs = job.Status.BudgetMs, Int8 = job.Status.Int8,
        }.Save(options);
        return new StageRun(options, JobFiles.RunFolder(job, Stage), null);
    }

    public void Complete(JobRecord job, WorkerResult? result)
    {
        var target = Path.Combine(repository.Folder, job.Status.ModelId!);
        repository.Refresh();
        store.Update(job, s => s with { ModelPublished = true });
        store.Append(job, e => e.Progress = new JobProgress
        {
            State = JobState.Running, Stage = Stage, Kind = "published", Fraction = 1, Message = $"model '{job.Status.ModelId}' published to {target}",
        });
    }

    /// <summary>A package at the target that this job published before the server stopped (newer than the job's start and with its id).</summary>
    private static bool AlreadyPublished(JobRecord job, string target)
    {
        if (!Directory.Exists(target)) return false;
        ModelPackage package;
        try
        {
            package = ModelPackage.Load(target);
        }
        catch (ModelPackageException)
        {
            throw new JobFailedException($"export: '{target}' exists and is not a valid package; the model id '{job.Status.ModelId}' cannot be published");
        }
        if (package.Id == job.Status.ModelId && job.Status.Started is { } started && package.Manifest.Created >= started) return true;
        throw new JobFailedException($"export: a model '{package.Id}' already exists at '{target}'; it is not replaced");
    }
}
