using HiNas.Onnx.Export;
using HiNas.Onnx.Proto;
using OrtTensors = Microsoft.ML.OnnxRuntime.Tensors;

namespace HiNas.Onnx.Quantization;

/// <summary>
/// Scales down the channels of a ReLU's output that reach far beyond the others, before calibration: one uint8 range
/// per tensor rounds every channel with the step its widest channel needs. In the RGB default (the noise-level plane
/// among its inputs) one channel of 48 of its fourth cell's ReLU reaches 36 at σ 0 where the median channel's maximum
/// is 1.1 — a channel that carries the noise level more than the image —, so the calibrated step was 21 image levels
/// for every channel; leaving that one value float alone took int8 from 40.00 to 41.10 dB at σ 5 (bench/defaults).
/// <para>A ReLU commutes with a positive factor: channel c of the convolution before it (its weights and bias) is
/// divided by k_c and the same input channel of every convolution reading the ReLU multiplied by k_c, so the graph
/// computes what it did. k_c takes channel c's maximum over the calibration feeds down to <see cref="Spread"/> times
/// the median channel's; channels within that stay as they are (scaling all of them level trades activation steps
/// for weight steps and loses, bench/defaults). Only a ReLU whose input is one dense convolution's output and whose
/// every reader is a dense convolution qualifies.</para>
/// </summary>
public static class OutlierChannels
{
    /// <summary>How far above the median channel's maximum a channel's maximum may lie and stay as it is.</summary>
    public const double Spread = 4;

    /// <summary>The equalized graph, and how many channels were scaled down.</summary>
    public static (ModelProto Model, int Scaled) Equalize(ModelProto model, IReadOnlyList<IReadOnlyDictionary<string, OrtTensors.DenseTensor<float>>> feeds)
    {
        var graph = model.Graph;
        var writer = new Dictionary<string, NodeProto>(StringComparer.Ordinal);
        var readers = new Dictionary<string, List<NodeProto>>(StringComparer.Ordinal);
        foreach (var node in graph.Node)
        {
            foreach (var output in node.Output) writer[output] = node;
            foreach (var input in node.Input) (readers.TryGetValue(input, out var list) ? list : readers[input] = new List<NodeProto>()).Add(node);
        }
        var outputs = graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var initializers = graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        bool DenseConv(NodeProto n) => n.OpType == "Conv" && (n.Attribute.FirstOrDefault(a => a.Name == "group")?.I ?? 1) == 1 && initializers.ContainsKey(n.Input[1]);
        var candidates = graph.Node.Where(relu => relu.OpType == "Relu"
            && writer.TryGetValue(relu.Input[0], out var producer) && DenseConv(producer) && readers[relu.Input[0]].Count == 1 && !outputs.Contains(relu.Input[0])
            && !outputs.Contains(relu.Output[0]) && readers.TryGetValue(relu.Output[0], out var read) && read.All(r => DenseConv(r) && r.Input[0] == relu.Output[0]))
            .ToArray();
        if (candidates.Length == 0) return (model, 0);

        var maxima = ChannelMaxima(model, candidates.Select(r => r.Output[0]).ToArray(), feeds);
        var equalized = model.Clone();
        var tensors = equalized.Graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var scaled = 0;
        foreach (var relu in candidates)
        {
            var m = maxima[relu.Output[0]];
            var median = m.Order().ElementAt(m.Length / 2);
            if (!(median > 0)) continue;
            var factors = m.Select(x => Math.Max(1, x / (Spread * median))).ToArray();
            if (factors.All(k => k == 1)) continue;
            var producer = writer[relu.Input[0]];
            Scale(tensors, producer.Input[1], factors, axis: 0, divide: true);
            if (producer.Input.Count > 2 && producer.Input[2].Length > 0) Scale(tensors, producer.Input[2], factors, axis: 0, divide: true);
            foreach (var reader in readers[relu.Output[0]]) Scale(tensors, reader.Input[1], factors, axis: 1, divide: false);
            scaled += factors.Count(k => k > 1);
        }
        return (equalized, scaled);
    }

    /// <summary>Each value's per-channel maximum over the feeds (the float graph run with the values made outputs).</summary>
    private static Dictionary<string, double[]> ChannelMaxima(ModelProto model, IReadOnlyList<string> values, IReadOnlyList<IReadOnlyDictionary<string, OrtTensors.DenseTensor<float>>> feeds)
    {
        using var probe = new ValueProbe(model, values);
        var maxima = new Dictionary<string, double[]>(StringComparer.Ordinal);
        probe.Visit(feeds, (name, data, shape) =>
        {
            if (!values.Contains(name)) return;
            var (channels, plane) = (shape[1], shape[2] * shape[3]);
            var max = maxima.TryGetValue(name, out var known) ? known : maxima[name] = new double[channels];
            for (var n = 0; n < data.Length / (channels * plane); n++)
                for (var c = 0; c < channels; c++)
                    foreach (var x in data.Slice((n * channels + c) * plane, plane)) max[c] = Math.Max(max[c], x);
        });
        return maxima;
    }

    /// <summary>Divides (or multiplies) slice c along <paramref name="axis"/> (0 or 1) of a float initializer by factor c.</summary>
    private static void Scale(Dictionary<string, TensorProto> tensors, string name, double[] factors, int axis, bool divide)
    {
        var tensor = tensors[name];
        var values = OnnxTensors.Floats(tensor);
        var dims = tensor.Dims.ToArray();
        var inner = dims.Skip(axis + 1).Aggregate(1L, (a, d) => a * d);
        var along = dims[axis];
        if (along != factors.Length) throw new InvalidOperationException($"initializer '{name}' has {along} channels along axis {axis}, not {factors.Length}");
        for (var i = 0; i < values.Length; i++)
        {
            var k = factors[i / inner % along];
            values[i] = (float)(divide ? values[i] / k : values[i] * k);
        }
        OnnxTensors.SetFloats(tensor, values);
    }
}
