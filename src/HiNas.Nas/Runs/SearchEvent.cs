namespace HiNas.Nas.Runs;

/// <summary>
/// Progress of a search, as written to RUN_DIR/events.jsonl and passed to the progress callback:
/// "step" after every step, "epoch" after each epoch's validation and checkpoint, "completed" at the end.
/// Epochs and steps count from 1.
/// </summary>
public sealed record SearchEvent
{
    public required string Kind { get; init; }
    public required int Epoch { get; init; }
    public required int Epochs { get; init; }
    public required int Step { get; init; }
    public required int StepsPerEpoch { get; init; }
    public required string Phase { get; init; }
    public required double LearningRate { get; init; }
    public double? WeightLoss { get; init; }
    public double? ArchitectLoss { get; init; }
    public double? ValidationPsnr { get; init; }
    public string? Genotype { get; init; }

    /// <summary>Budgeted searches: E[latency] (ms) of the current α and β, the predicted latency of the network they derive now, and the budget.</summary>
    public double? ExpectedLatencyMs { get; init; }

    public double? DerivedLatencyMs { get; init; }

    /// <summary>
    /// Budgeted searches on the table's machine: the derived network run by ONNX Runtime at the end of the epoch, and
    /// the measured/predicted ratio the architecture steps of the next epoch apply to the table's predictions.
    /// </summary>
    public double? MeasuredLatencyMs { get; init; }

    public double? LatencyCalibration { get; init; }

    public double? BudgetMs { get; init; }

    /// <summary>
    /// "completed": the epoch whose genotype the search chose (the best validation after <see cref="SearchRun.SelectionStart"/>
    /// of the epochs, else the last), α's and β's normalised entropies (1 = uniform), and a warning when β did not decide
    /// the width path (<see cref="Genotypes.ArchitectureEntropy"/>). "epoch" events carry the entropies too.
    /// </summary>
    public int? ChosenEpoch { get; init; }
    public double? AlphaEntropy { get; init; }
    public double? BetaEntropy { get; init; }
    public string? Warning { get; init; }

    /// <summary>"epoch" and "completed": each operation's mean softmax(α) weight over every edge (<see cref="Genotypes.OperationShares"/>).</summary>
    public IReadOnlyDictionary<string, double>? OperationShares { get; init; }

    public required double ElapsedSeconds { get; init; }
    public required double EtaSeconds { get; init; }

    /// <summary>Steps done and in the whole search; <see cref="StepsPerEpoch"/> is this epoch's (a single-path phase's may differ from the warm-up's).</summary>
    public required long CompletedSteps { get; init; }

    public required long TotalSteps { get; init; }
}
