using HiNas.Nas.Settings;

namespace HiNas.Nas.Latency;

/// <summary>
/// A frame-time budget for the search: the architecture step minimises task loss + <see cref="Weight"/> ·
/// ln²(E[latency] / target), target = <see cref="TargetFraction"/> · <see cref="BudgetMs"/>, E[latency] from the
/// table at <see cref="TablePath"/>. The penalty is two-sided and smooth: over the target it pushes toward cheaper
/// operations, under it toward dearer ones (a network that leaves budget unused gives up quality it could have
/// had), and its gradient vanishes at the target, where the task loss alone picks among networks of that cost. A
/// one-sided λ·max(0, E/budget − 1) overshot: its gradient dwarfs the task loss's, Adam's step-size memory of it
/// outlasts the overshoot, and a search with a budget of the unconstrained net's own latency ended all skip
/// connections (34 ms for a 119 ms budget). The target sits under the budget so that the table's prediction error
/// (±10 % against whole networks) does not carry the derived network over it when measured. A single-path search,
/// which trains no α or β, takes the budget as a bound instead: it draws (trains, validates and ranks) only networks
/// whose predicted latency is within <see cref="BudgetMs"/> (<see cref="Admits"/>), and with a <see cref="Band"/> no
/// less than that fraction of it — the prediction scaled by the <see cref="Calibration"/> measured before the search
/// on the table's machine.
/// </summary>
public sealed record LatencyObjective
{
    /// <summary>The fraction of the budget the search aims E[latency] at.</summary>
    public const double TargetFraction = 0.9;

    public required string TablePath { get; init; }
    public required double BudgetMs { get; init; }

    /// <summary>λ, the weight of the squared log-ratio to the target.</summary>
    public double Weight { get; init; } = DefaultWeight;

    public const double DefaultWeight = 1.0;

    public double TargetMs => BudgetMs * TargetFraction;

    /// <summary>
    /// The fraction of the budget a single-path search's draws must reach (0: any network within the budget). Uniform
    /// draws within a budget concentrate well below it — most networks of a space within it leave time unused — so
    /// without a band the search compares networks that give up quality for time it does not save; with 0.9 it compares
    /// the ways of spending the time.
    /// </summary>
    public double Band { get; init; }

    /// <summary>The least predicted milliseconds a single-path search draws (<see cref="Band"/> · <see cref="BudgetMs"/>).</summary>
    public double BandMs => Band * BudgetMs;

    /// <summary>
    /// Measured over predicted milliseconds of networks in the budget's band, run whole by ONNX Runtime on the table's
    /// machine before a single-path search (<see cref="BudgetCalibration"/>; null: not measured, the prediction as it is).
    /// The table's sum of parts is off by a factor that depends on the space and its networks — 0.96 of the fused
    /// space's, 0.76–0.93 of the same with two widths — so a band of predictions alone searched the widths space a fifth
    /// under its budget.
    /// </summary>
    public double? Calibration { get; init; }

    /// <summary>A network's predicted milliseconds as ONNX Runtime would measure them: the prediction times <see cref="Calibration"/>.</summary>
    public double Calibrated(double predictedMs) => predictedMs * (Calibration ?? 1);

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(TablePath)) throw new SettingException("latency_table", "the path is empty");
        if (!(BudgetMs > 0) || !double.IsFinite(BudgetMs)) throw new SettingException("budget_ms", $"must be a positive number of milliseconds, got {BudgetMs}");
        if (!(Weight >= 0) || !double.IsFinite(Weight)) throw new SettingException("latency_weight", $"must be ≥ 0, got {Weight}");
        if (!(Band is >= 0 and < 1)) throw new SettingException("budget_band", $"must be a fraction of the budget in [0, 1), got {Band}");
        if (Calibration is { } c && !(c is >= MinCalibration and <= MaxCalibration))
            throw new SettingException("latency_calibration", $"must be a measured-over-predicted ratio in [{MinCalibration}, {MaxCalibration}], got {c}");
    }

    /// <summary>What a single-path search admits, in words: "40.5–45 ms" (with a band) or "45 ms", and the calibration when measured.</summary>
    public string AdmittedRange() => FormattableString.Invariant(
        $"{(Band > 0 ? $"{BandMs:0.#}–" : "")}{BudgetMs:0.#} ms{(Calibration is { } c ? $", the table's predictions × {c:0.###} as measured" : "")}");

    /// <summary>A calibration outside these bounds is not the table's error but a machine busy with other work, or another machine.</summary>
    public const double MinCalibration = 0.2, MaxCalibration = 5;

    /// <summary>
    /// Whether a network the table predicts at <paramref name="predictedMs"/> is within the budget and its band (a
    /// single-path search's bounds), its prediction <see cref="Calibrated"/>.
    /// </summary>
    public bool Admits(double predictedMs) => Calibrated(predictedMs) is var ms && ms <= BudgetMs && ms >= BandMs;

    /// <summary>The penalty for an expected latency (milliseconds).</summary>
    public double Penalty(double expectedMs) => Weight * Math.Pow(Math.Log(Math.Max(expectedMs / TargetMs, MinRatio)), 2);

    /// <summary>A table of zero costs would make the ratio 0 and its logarithm −∞.</summary>
    public const double MinRatio = 1e-9;
}
