namespace HiNas.Server.Jobs.Stages;

/// <summary>
/// One stage of a job as a worker runs it: what options file and run folder to give `hinas run STAGE`, and what the job
/// keeps of the worker's result. Each stage is one small class; <see cref="JobStageMachine"/> runs them in order.
/// </summary>
public interface IStageLauncher
{
    /// <summary>The stage's name (<see cref="HiNas.Nas.Workers.WorkerStage"/>).</summary>
    string Stage { get; }

    /// <summary>
    /// Finds or writes the stage's options file (a search's and a training's are fixed when the job is started or its search
    /// ends; an export's is written each time) and says how to run the worker; null when there is nothing left to run
    /// (a package this job published before the server stopped).
    /// </summary>
    StageRun? Prepare(JobRecord job);

    /// <summary>After the worker succeeded (or <see cref="Prepare"/> found nothing to run): records what it produced.</summary>
    void Complete(JobRecord job, Nas.Workers.WorkerResult? result);
}

/// <summary>How to run a stage's worker: its options file, its run folder, and the events.jsonl to follow (if it writes one).</summary>
public sealed record StageRun(string OptionsFile, string RunDir, string? EventsFile);
