namespace HiNas.Nas.Runs;

/// <summary>
/// The contract of a training run folder: the resolved options (architecture inline), one event per line, the
/// best validation weights, the summary written when it completes, and resumable checkpoints.
/// </summary>
public static class TrainRun
{
    public const string OptionsFile = "options.json";
    public const string EventsFile = "events.jsonl";
    public const string BestModelFile = "best/model.bin";
    public const string SummaryFile = "summary.json";
    public const string CheckpointsFolder = "checkpoints";
}
