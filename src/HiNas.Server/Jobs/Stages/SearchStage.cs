using HiNas.Nas.Runs;
using HiNas.Nas.Workers;
using HiNas.Protocol.V1;

namespace HiNas.Server.Jobs.Stages;

/// <summary>The search: the options the Jobs service resolved; the found genotype (and a budgeted search's verdict) recorded.</summary>
public sealed class SearchStage(JobStore store) : IStageLauncher
{
    public string Stage => WorkerStage.Search;

    public StageRun Prepare(JobRecord job)
    {
        var runDir = JobFiles.RunFolder(job, Stage);
        return new StageRun(Path.Combine(job.Folder, JobFiles.SearchOptionsFile), runDir, Path.Combine(runDir, SearchRun.EventsFile));
    }

    public void Complete(JobRecord job, WorkerResult? result)
    {
        var genotype = File.ReadAllText(Path.Combine(JobFiles.RunFolder(job, Stage), SearchRun.GenotypeFile));
        store.Update(job, s => s with { GenotypeJson = genotype });
        if (result?.Message is { } verdict)
            store.Append(job, e => e.Progress = new JobProgress { State = JobState.Running, Stage = Stage, Kind = "budget", Fraction = job.Status.Progress, Message = verdict });
    }
}
