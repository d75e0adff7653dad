namespace HiNas.Nas.Runs;

/// <summary>TRAIN_DIR/summary.json, written when a training run completes.</summary>
public sealed record TrainSummary
{
    public required string RunName { get; init; }
    public required string Architecture { get; init; }
    public required string Network { get; init; }
    public required long Parameters { get; init; }
    public required double FlopsPerMegapixel { get; init; }
    public required double BestValidationPsnr { get; init; }
    public required int BestIteration { get; init; }
    public required int Iterations { get; init; }
    public required double TrainingSeconds { get; init; }
}
