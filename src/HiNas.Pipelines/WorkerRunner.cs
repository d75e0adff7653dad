using HiNas.Nas.Runs;
using HiNas.Nas.Settings;
using HiNas.Nas.Workers;
using HiNas.Onnx.Packaging;
using HiNas.Search.Training;

namespace HiNas.Pipelines;

/// <summary>
/// One worker stage (<see cref="WorkerStage"/>): reads its options file, works in its run folder — a search or a
/// training resumes from the folder's newest checkpoint when it holds one — and ends by writing result.json
/// (<see cref="WorkerResult"/>): succeeded with what it produced, or failed with the error. Cancellation writes none.
/// </summary>
public static class WorkerRunner
{
    public static WorkerResult Run(string stage, string optionsFile, string runDir, WorkerProgress? progress = null, CancellationToken cancellation = default)
    {
        if (!WorkerStage.All.Contains(stage)) throw new SettingException("stage", $"'{stage}' is not one of {string.Join(", ", WorkerStage.All)}");
        var dir = Path.GetFullPath(runDir);
        Directory.CreateDirectory(dir);
        WorkerResult.Delete(dir);
        WorkerResult result;
        try
        {
            result = stage switch
            {
                WorkerStage.Profile => Profile(ProfileOptions.Load(optionsFile), progress),
                WorkerStage.Search => Search(optionsFile, dir, progress, cancellation),
                WorkerStage.Train => Train(optionsFile, dir, progress, cancellation),
                _ => Export(ExportOptions.Load(optionsFile), progress),
            };
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            new WorkerResult { Stage = stage, Succeeded = false, Error = ErrorText.OneLine(e) }.Save(dir);
            throw;
        }
        result.Save(dir);
        return result;
    }

    private static WorkerResult Profile(ProfileOptions options, WorkerProgress? progress)
    {
        var space = SearchOptionsJson.Load(options.SearchOptions).Supernet.Space;
        var profile = LatencyProfilePipeline.Run(space, options.Width, options.Height, options.Repeats, options.Out, progress?.Part, options.Precision);
        return new WorkerResult
        {
            Stage = WorkerStage.Profile, Succeeded = true, Outputs = { ["table"] = profile.TablePath },
            Message = FormattableString.Invariant($"latency table for {options.Width}x{options.Height} written; cheapest network of the space {profile.FloorMeasuredMs:F1} ms measured"),
        };
    }

    private static WorkerResult Search(string optionsFile, string runDir, WorkerProgress? progress, CancellationToken cancellation)
    {
        var resume = SearchPipeline.CanResume(runDir);
        if (resume) progress?.Log?.Invoke($"resuming the search in {runDir} from its newest checkpoint");
        var outcome = resume
            ? SearchPipeline.Resume(runDir, progress?.Search, cancellation, progress?.Log)
            : SearchPipeline.Run(SearchOptionsJson.Load(optionsFile), runDir, progress?.Search, cancellation, progress?.Log);
        return new WorkerResult
        {
            Stage = WorkerStage.Search, Succeeded = true, Message = outcome.Latency?.Verdict(),
            Outputs = { ["genotype"] = outcome.GenotypeFile, ["network_to_train"] = outcome.NetworkToTrain },
        };
    }

    private static WorkerResult Train(string optionsFile, string runDir, WorkerProgress? progress, CancellationToken cancellation)
    {
        var resume = File.Exists(Path.Combine(runDir, TrainRun.OptionsFile));
        if (resume) progress?.Log?.Invoke($"resuming the training in {runDir} from its newest checkpoint");
        var summary = resume
            ? Trainer.Resume(runDir, progress?.Train, cancellation)
            : Trainer.Run(TrainOptionsJson.Load(optionsFile), runDir, progress?.Train, cancellation);
        return new WorkerResult
        {
            Stage = WorkerStage.Train, Succeeded = true,
            Outputs = { ["summary"] = Path.Combine(runDir, TrainRun.SummaryFile), ["model"] = Path.Combine(runDir, TrainRun.BestModelFile) },
            Message = FormattableString.Invariant($"{summary.Network}: best validation PSNR {summary.BestValidationPsnr:F2} dB at iteration {summary.BestIteration}"),
        };
    }

    private static WorkerResult Export(ExportOptions options, WorkerProgress? progress)
    {
        var export = ModelExport.From(options);
        progress?.Log?.Invoke(FormattableString.Invariant($"parity {export.ParityMaxAbsDiff:E2}; model '{export.Package.Manifest.Id}' written to {export.Package.Folder}"));
        return new WorkerResult
        {
            Stage = WorkerStage.Export, Succeeded = true, Outputs = { ["package"] = export.Package.Folder },
            Message = $"model '{export.Package.Manifest.Id}' published to {export.Package.Folder}",
        };
    }
}
