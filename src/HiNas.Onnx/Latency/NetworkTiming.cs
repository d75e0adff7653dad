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
/// median of its repeats — a slow spell of the machine spoils one round, not the verdict.
/// </summary>
public static class NetworkTiming
{
    public const int Rounds = 3;
    public const int MinRepeats = 7;

    /// <summary>Milliseconds of <paramref name="network"/> (in eval mode) for one WIDTH×HEIGHT input.</summary>
    public static double Measure(nn.Module<Tensor, Tensor> network, RestorationTask task, int width, int height, int repeats = MinRepeats)
    {
        var onnx = OnnxExporter.ExportBytes(network, task);
        var rounds = Enumerable.Range(0, Rounds)
            .Select(_ => LatencyProfiler.TimeNetwork(onnx, task.Channels, width, height, Math.Max(repeats, MinRepeats)))
            .Order().ToArray();
        return rounds[Rounds / 2];
    }

    /// <summary>Milliseconds of the network a training with <paramref name="options"/> builds (its width multiplier and head), weights as initialised.</summary>
    public static double Measure(TrainOptions options, int width, int height)
    {
        using var network = TorchRuntime.Seeded(1, options.BuildNetwork);
        network.eval();
        return Measure(network, options.Task, width, height);
    }
}
