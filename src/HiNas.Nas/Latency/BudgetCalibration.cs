using System.Globalization;
using HiNas.Imaging.Randomness;
using HiNas.Nas.Genotypes;
using HiNas.Nas.Space;

namespace HiNas.Nas.Latency;

/// <summary>
/// What the table's prediction misses for the networks a single-path search will draw, measured before it starts
/// (<see cref="LatencyObjective.Calibration"/>): of networks drawn uniformly as the search draws them, the few whose
/// prediction is nearest the middle of the budget's band, each run whole by the caller's measurement. Two rounds: the
/// first picks by the prediction as it is and gives a first ratio; the second picks by the prediction times that ratio
/// — the networks the calibrated search will train — and its median ratio is the calibration. Nearest rather than
/// within: a band the uncalibrated prediction puts no network in (the widths space predicted 1.3× over ONNX
/// Runtime, so a band at FFDNet 4 × 48's time held none) is still calibrated. The median, because one measurement
/// disturbed by other work must not move the band.
/// </summary>
public sealed record BudgetCalibration(IReadOnlyList<BudgetCalibration.Network> First, IReadOnlyList<BudgetCalibration.Network> Second)
{
    /// <summary>One network measured: its table prediction and ONNX Runtime's time, milliseconds.</summary>
    public sealed record Network(double PredictedMs, double MeasuredMs)
    {
        public double Ratio => MeasuredMs / PredictedMs;
    }

    /// <summary>Networks measured per round.</summary>
    public const int NetworksPerRound = 3;

    /// <summary>Measured over predicted: the second round's median.</summary>
    public double Ratio => Median(Second);

    /// <summary>Networks drawn per round, of which the <see cref="NetworksPerRound"/> nearest the band's middle are measured.</summary>
    public const int DrawsPerRound = BudgetAdmission.DefaultDraws;

    /// <summary>Measures <see cref="NetworksPerRound"/> networks of <paramref name="space"/> in each round with <paramref name="measure"/>.</summary>
    public static BudgetCalibration Measure(SearchSpace space, LatencyTable table, LatencyObjective objective, Func<Genotype, double> measure, ulong seed = 1)
    {
        var middle = (objective.BandMs + objective.BudgetMs) / 2;
        var first = Round(space, table, middle, 1, measure, DeterministicRandom.Derive(seed, 0xCA11));
        var second = Round(space, table, middle, Clamp(Median(first)), measure, DeterministicRandom.Derive(seed, 0xCA12));
        return new BudgetCalibration(first, second);
    }

    /// <summary>The calibration in words, for the search's log.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"latency calibration: ONNX Runtime measures the budget's networks at {Ratio:0.###} × the table's prediction (median of {Second.Count}: {string.Join(", ", Second.Select(n => $"{n.MeasuredMs:0.#}/{n.PredictedMs:0.#} ms"))}); the search admits by the prediction × {Calibration:0.###}");

    /// <summary>The ratio within the objective's bounds (<see cref="LatencyObjective.MinCalibration"/>–<see cref="LatencyObjective.MaxCalibration"/>).</summary>
    public double Calibration => Clamp(Ratio);

    private static double Clamp(double ratio) => Math.Clamp(ratio, LatencyObjective.MinCalibration, LatencyObjective.MaxCalibration);

    private static List<Network> Round(SearchSpace space, LatencyTable table, double middleMs, double calibration, Func<Genotype, double> measure, ulong seed) =>
        RandomGenotype.Draws(space, DrawsPerRound, seed)
            .Select(genotype => (Genotype: genotype, Predicted: NetworkLatency.Predict(genotype, table)))
            .OrderBy(d => Math.Abs(d.Predicted * calibration - middleMs)).Take(NetworksPerRound).ToList()
            .Select(d => new Network(d.Predicted, measure(d.Genotype))).ToList();

    private static double Median(IReadOnlyList<Network> networks)
    {
        var ratios = networks.Select(n => n.Ratio).Order().ToArray();
        return ratios.Length % 2 == 1 ? ratios[ratios.Length / 2] : (ratios[ratios.Length / 2 - 1] + ratios[ratios.Length / 2]) / 2;
    }
}
