namespace HiNas.Nas.Runs;

/// <summary>
/// Progress of a training run: "step" (every iteration to the callback, every 10th to events.jsonl),
/// "validation" (every ValidateEvery iterations and at the end) and "completed". Iterations count from 1.
/// </summary>
public sealed record TrainEvent
{
    public required string Kind { get; init; }
    public required int Iteration { get; init; }
    public required int Iterations { get; init; }
    public required double LearningRate { get; init; }
    public double? Loss { get; init; }
    public double? ValidationPsnr { get; init; }
    public double? BestPsnr { get; init; }
    public int? BestIteration { get; init; }
    public required double ElapsedSeconds { get; init; }
    public required double EtaSeconds { get; init; }
}
