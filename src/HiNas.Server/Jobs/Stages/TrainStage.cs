using HiNas.Nas.Genotypes;
using HiNas.Nas.Runs;
using HiNas.Nas.Settings;
using HiNas.Nas.Workers;
using HiNas.Protocol.V1;

namespace HiNas.Server.Jobs.Stages;

/// <summary>
/// The training: the options the Jobs service resolved, or — after a search — the request's training settings resolved
/// for the network the search says to train (the closest one within a budget when the derived one misses it).
/// </summary>
public sealed class TrainStage(JobStore store, JobRequests requests) : IStageLauncher
{
    public string Stage => WorkerStage.Train;

    public StageRun Prepare(JobRecord job)
    {
        var options = Path.Combine(job.Folder, JobFiles.TrainOptionsFile);
        if (!File.Exists(options)) WriteOptionsAfterSearch(job, options);
        var runDir = JobFiles.RunFolder(job, Stage);
        return new StageRun(options, runDir, Path.Combine(runDir, TrainRun.EventsFile));
    }

    public void Complete(JobRecord job, WorkerResult? result)
    {
        var runDir = JobFiles.RunFolder(job, Stage);
        var summary = RunFiles.ReadJson<TrainSummary>(Path.Combine(runDir, TrainRun.SummaryFile));
        var trained = TrainOptionsJson.Load(Path.Combine(runDir, TrainRun.OptionsFile));
        store.Update(job, s => s with
        {
            BestValidationPsnr = summary.BestValidationPsnr,
            GenotypeJson = trained.Architecture.Genotype is { } g ? GenotypeJson.Serialize(g) : s.GenotypeJson,
        });
    }

    private void WriteOptionsAfterSearch(JobRecord job, string optionsPath)
    {
        var request = JobStore.ReadRequest<StartTrainingRequest>(job);
        var task = JobRequests.ResolveTask(request.Task);
        var network = SearchRun.NetworkToTrain(JobFiles.RunFolder(job, WorkerStage.Search));
        var options = requests.ResolveTrain(task, ArchitectureSpec.FromGenotype(GenotypeJson.Load(network)), request.Train, "train",
            afterBudgetedSearch: JobRequests.AfterBudgetedSearch(request));
        TrainOptionsJson.Save(options, optionsPath);
    }
}
