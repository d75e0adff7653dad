namespace HiNas.Nas.Workers;

/// <summary>
/// The stages a worker runs: `hinas run STAGE --options-file F --run DIR`. Each reads one resolved options file, works
/// in one run folder, and ends by writing <see cref="WorkerResult"/> (DIR/result.json). The Jobs service starts
/// workers this way; so can any scheduler (a Kubernetes Job is the same command line).
/// </summary>
public static class WorkerStage
{
    /// <summary>Measures the latency table of a search space (options: <see cref="ProfileOptions"/>).</summary>
    public const string Profile = "profile";

    /// <summary>A search (options: the search's options.json); resumes when the run folder holds one.</summary>
    public const string Search = "search";

    /// <summary>A training run (options: the training's options.json); resumes when the run folder holds one.</summary>
    public const string Train = "train";

    /// <summary>Exports a training run to a model package (options: <see cref="ExportOptions"/>).</summary>
    public const string Export = "export";

    public static readonly IReadOnlyList<string> All = new[] { Profile, Search, Train, Export };
}
