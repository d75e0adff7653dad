using System.Globalization;
using HiNas.Imaging.Randomness;
using HiNas.Nas.Genotypes;
using HiNas.Nas.Space;

namespace HiNas.Nas.Latency;

/// <summary>
/// What the table's prediction misses for the networks a single-path search will draw, measured before it starts
/// (<see cref="LatencyObjective.Calibration"/>): networks drawn uniformly as the search draws them, admitted by the
/// budget and its band, each run whole by the caller's measurement. Two rounds: the first draws by the prediction as it
/// is and gives a first ratio; the second draws by the prediction times that ratio — the networks the calibrated search
/// will train — and its median ratio is the calibration. The median, because one measurement disturbed by other work
/// must not move the band.
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

    /// <summary>Measured over predicted: the median of the last round that admitted networks.</summary>
    public double Ratio => Median(Decisive);

    /// <summary>The round the ratio comes from: the second, unless its band admitted nothing.</summary>
    private IReadOnlyList<Network> Decisive => Second.Count > 0 ? Second : First;

    /// <summary>
    /// Measures <see cref="NetworksPerRound"/> admitted networks of <paramref name="space"/> in each round with
    /// <paramref name="measure"/>; null when the budget's band admits none of <see cref="BudgetAdmission.MaxDraws"/> draws
    /// (the search then refuses the budget with its own words).
    /// </summary>
    public static BudgetCalibration? Measure(SearchSpace space, LatencyTable table, LatencyObjective objective, Func<Genotype, double> measure, ulong seed = 1)
    {
        var uncalibrated = objective with { Calibration = null };
        var first = Round(space, table, uncalibrated, measure, DeterministicRandom.Derive(seed, 0xCA11));
        if (first.Count == 0) return null;
        var second = Round(space, table, uncalibrated with { Calibration = Clamp(Median(first)) }, measure, DeterministicRandom.Derive(seed, 0xCA12));
        return new BudgetCalibration(first, second);
    }

    /// <summary>The calibration in words, for the search's log.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"latency calibration: ONNX Runtime measures the budget's networks at {Ratio:0.###} × the table's prediction (median of {Decisive.Count}: {string.Join(", ", Decisive.Select(n => $"{n.MeasuredMs:0.#}/{n.PredictedMs:0.#} ms"))}); the search admits by the prediction × {Calibration:0.###}");

    /// <summary>The ratio within the objective's bounds (<see cref="LatencyObjective.MinCalibration"/>–<see cref="LatencyObjective.MaxCalibration"/>).</summary>
    public double Calibration => Clamp(Ratio);

    private static double Clamp(double ratio) => Math.Clamp(ratio, LatencyObjective.MinCalibration, LatencyObjective.MaxCalibration);

    private static List<Network> Round(SearchSpace space, LatencyTable table, LatencyObjective objective, Func<Genotype, double> measure, ulong seed)
    {
        var measured = new List<Network>();
        for (var draw = 0; draw < BudgetAdmission.MaxDraws && measured.Count < NetworksPerRound; draw++)
        {
            var genotype = RandomGenotype.Sample(space, DeterministicRandom.Derive(seed, (ulong)draw));
            var predicted = NetworkLatency.Predict(genotype, table);
            if (objective.Admits(predicted)) measured.Add(new Network(predicted, measure(genotype)));
        }
        return measured;
    }

    private static double Median(IReadOnlyList<Network> networks)
    {
        var ratios = networks.Select(n => n.Ratio).Order().ToArray();
        return ratios.Length % 2 == 1 ? ratios[ratios.Length / 2] : (ratios[ratios.Length / 2 - 1] + ratios[ratios.Length / 2]) / 2;
    }
}
