using System.Globalization;
using HiNas.Imaging.Tasks;
using HiNas.Nas.Workers;
using HiNas.Protocol.V1;

namespace HiNas.Server.Jobs.Stages;

/// <summary>A budgeted job's first stage: the latency table of its search space at the job's resolution and precision, on this machine.</summary>
public sealed class ProfileStage(JobStore store) : IStageLauncher
{
    public string Stage => WorkerStage.Profile;

    public StageRun Prepare(JobRecord job)
    {
        var options = Path.Combine(job.Folder, JobFiles.ProfileOptionsFile);
        if (!File.Exists(options))
        {
            var size = job.Status.LatencyResolution ?? throw new InvalidOperationException($"job {job.Id} has a profile stage but no resolution");
            var parts = size.Split('x');
            var (width, height) = (int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
            new ProfileOptions
            {
                SearchOptions = Path.Combine(job.Folder, JobFiles.SearchOptionsFile), Width = width, Height = height,
                Out = Path.Combine(job.Folder, JobFiles.LatencyTableFile), Precision = job.Status.LatencyPrecision ?? ModelPrecision.Float32,
            }.Save(options);
        }
        return new StageRun(options, JobFiles.RunFolder(job, Stage), null);
    }

    public void Complete(JobRecord job, WorkerResult? result) =>
        store.Append(job, e => e.Progress = new JobProgress
        {
            State = JobState.Running, Stage = Stage, Kind = "profiled",
            Message = result?.Message ?? $"latency table for {job.Status.LatencyResolution} written",
        });
}
