namespace HiNas.Server.Jobs;

/// <summary>
/// A job folder (STATE/jobs/ID): the request, the state (job.json), the event log, the worker's log, the resolved
/// options of each stage, and one run folder per stage, each ending with the worker's result.json.
/// </summary>
public static class JobFiles
{
    public const string SearchOptionsFile = "search-options.json";
    public const string TrainOptionsFile = "train-options.json";
    public const string ProfileOptionsFile = "profile-options.json";
    public const string ExportOptionsFile = "export-options.json";

    /// <summary>The latency table a budgeted job's profile stage measures and its search reads.</summary>
    public const string LatencyTableFile = "latency-table.json";

    /// <summary>The run folder of a stage: search/, train/, profile/, export/.</summary>
    public static string RunFolder(JobRecord job, string stage) => Path.Combine(job.Folder, stage);
}
