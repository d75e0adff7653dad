using System.Globalization;
using HiNas.Inference.Engine;
using HiNas.Onnx.Export;
using HiNas.Search.Export;

namespace HiNas.Onnx.Latency;

/// <summary>
/// ONNX Runtime's blocked layout (NCHWc) at its all level: every float convolution runs on channels in blocks of
/// 8 or 16, reordered into the layout in front of the first and out of it behind the last. Inside a network of fused
/// cells, whose nodes are convolutions and ReLU'd sums, the values stay blocked from the stem's convolution to the
/// head's; a part timed alone reorders at each of its ends — on a CPU with AVX-512 a 48-channel reorder pair costs
/// about an eighth of a 3×3 convolution. The latency profiler takes those reorders off a float part of a fused space
/// (bench/latency, "float tables in the blocked layout").
/// </summary>
internal static class BlockedLayout
{
    /// <summary>
    /// The channels of the part's ends that a network keeps blocked: its inputs read by convolutions only, and its
    /// outputs written by a convolution (or by the ReLU ONNX Runtime folds into one). Others — an image, a sum's
    /// operands, a scaled skip's Mul — run in the ONNX layout inside a network too.
    /// </summary>
    public static IReadOnlyList<int> Ends(Proto.ModelProto part, IReadOnlyList<LatencyProfiler.PartInput> inputs)
    {
        var nodes = part.Graph.Node;
        var producer = nodes.SelectMany(n => n.Output.Select(o => (o, n))).ToDictionary(p => p.o, p => p.n);
        bool WrittenByConv(string value) => producer.TryGetValue(value, out var node)
            && (node.OpType == "Conv" || node.OpType == "Relu" && producer.TryGetValue(node.Input[0], out var before) && before.OpType == "Conv");
        var ends = new List<int>();
        foreach (var input in inputs.Where(i => !i.Image)) // the network's own input arrives in the ONNX layout
        {
            var readers = nodes.Where(n => n.Input.Contains(input.Name)).ToList();
            if (readers.Count > 0 && readers.All(n => n.OpType == "Conv")) ends.Add(input.Channels);
        }
        foreach (var output in part.Graph.Output.Where(o => WrittenByConv(o.Name)))
            ends.Add((int)output.Type.TensorType.Shape.Dim[1].DimValue);
        return ends;
    }

    /// <summary>
    /// One reorder into the blocked layout and one out of it, for <paramref name="channels"/> channels at 1/<paramref name="divisor"/>
    /// of each side of <paramref name="width"/>×<paramref name="height"/>: twice a 1×1 convolution's graph less a graph of two
    /// (both reorder once), at the all level; the median of <paramref name="repeats"/> runs each.
    /// </summary>
    public static double PairMilliseconds(int channels, int divisor, int width, int height, int repeats)
    {
        var input = new LatencyProfiler.PartInput("x", channels, divisor);
        double Of(int convolutions) => LatencyProfiler.TimePart(Convolutions(channels, convolutions), new[] { input }, width, height, repeats, GraphOptimization.All);
        return Math.Max(0, 2 * Of(1) - Of(2));
    }

    /// <summary>The key of a pair of reorders of <paramref name="channels"/> channels at 1/<paramref name="divisor"/> of each side.</summary>
    public static string Key(int channels, int divisor) => divisor == 1
        ? channels.ToString(CultureInfo.InvariantCulture)
        : string.Create(CultureInfo.InvariantCulture, $"{channels}/{divisor}");

    private static Proto.ModelProto Convolutions(int channels, int count) => OnnxExporter.Part(new[] { ("x", channels) }, (g, x) =>
    {
        var random = new Random(1);
        var value = x[0];
        for (var i = 0; i < count; i++)
        {
            var weight = Enumerable.Range(0, channels * channels).Select(_ => (float)(random.NextDouble() - 0.5) / channels).ToArray();
            value = g.Conv(value, new FoldedConv(weight, new long[] { channels, channels, 1, 1 }, new float[channels], 1, new long[] { 0, 0, 0, 0 }, new long[] { 1, 1 }));
        }
        return new[] { (value, channels) };
    });
}
