using HiNas.Imaging.Tasks;
using HiNas.Nas.Settings;
using HiNas.Onnx.Export;
using HiNas.Search.Networks;
using HiNas.Search.Runtime;
using static TorchSharp.torch;

namespace HiNas.Onnx.Latency;

/// <summary>
/// A network's frame time as every verdict here takes it: exported to ONNX and run by ONNX Runtime at one resolution
/// (the serving session's settings, <see cref="LatencyProfiler.TimeNetwork"/>), the median of three rounds, each the
/// median of its repeats — a slow spell of the machine spoils one round, not the verdict. With precision int8, as the
/// network's int8 export runs it (<see cref="Int8Timing"/>), the verdict of a budget a table of that precision set.
/// </summary>
public static class NetworkTiming
{
    public const int Rounds = 3;
    public const int MinRepeats = 7;

    /// <summary>Milliseconds of <paramref name="network"/> (in eval mode) for one WIDTH×HEIGHT input.</summary>
    public static double Measure(nn.Module<Tensor, Tensor> network, RestorationTask task, int width, int height, int repeats = MinRepeats,
        string precision = ModelPrecision.Float32) =>
        Measure(OnnxExporter.ExportBytes(network, task), task, width, height, repeats, precision);

    private static double Measure(byte[] onnx, RestorationTask task, int width, int height, int repeats, string precision)
    {
        onnx = Int8Timing.InPrecision(onnx, task.Channels, precision); // quantized once, before the rounds
        return Median(Enumerable.Range(0, Rounds).Select(_ => LatencyProfiler.TimeNetwork(onnx, task.Channels, width, height, Math.Max(repeats, MinRepeats))));
    }

    /// <summary>Milliseconds of the network a training with <paramref name="options"/> builds (its width multiplier and head), weights as initialised.</summary>
    public static double Measure(TrainOptions options, int width, int height, string precision = ModelPrecision.Float32) =>
        Measure(Export(options), options.Task, width, height, MinRepeats, precision);

    /// <summary>
    /// The networks two trainings build, timed side by side: <see cref="SideBySideRounds"/> rounds, each timing the
    /// reference and then the candidate. The reference's time is the median of its rounds; the candidate's is that
    /// times the median of the rounds' ratios, so a slow spell that slows both leaves the comparison as it was.
    /// </summary>
    public static (double Ms, double ReferenceMs) MeasureAgainst(TrainOptions candidate, TrainOptions reference, int width, int height,
        string precision = ModelPrecision.Float32)
    {
        var (onnx, referenceOnnx) = (Int8Timing.InPrecision(Export(candidate), candidate.Task.Channels, precision), Int8Timing.InPrecision(Export(reference), reference.Task.Channels, precision));
        var rounds = Enumerable.Range(0, SideBySideRounds).Select(_ =>
        {
            var r = LatencyProfiler.TimeNetwork(referenceOnnx, reference.Task.Channels, width, height, MinRepeats);
            return (Reference: r, Ratio: LatencyProfiler.TimeNetwork(onnx, candidate.Task.Channels, width, height, MinRepeats) / r);
        }).ToArray();
        var referenceMs = Median(rounds.Select(x => x.Reference));
        return (referenceMs * Median(rounds.Select(x => x.Ratio)), referenceMs);
    }

    public const int SideBySideRounds = 5;

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    private static byte[] Export(TrainOptions options)
    {
        using var network = TorchRuntime.Seeded(1, options.BuildNetwork);
        network.eval();
        return OnnxExporter.ExportBytes(network, options.Task);
    }
}
