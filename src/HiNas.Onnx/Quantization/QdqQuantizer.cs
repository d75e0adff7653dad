using Google.Protobuf;
using HiNas.Imaging.Tasks;
using HiNas.Onnx.Export;
using HiNas.Onnx.Proto;

namespace HiNas.Onnx.Quantization;

/// <summary>
/// Rewrites a float graph as a QDQ graph (QuantizeLinear/DequantizeLinear pairs, the format ONNX Runtime fuses into its
/// int8 kernels: QLinearConv, QLinearAdd, QLinearConcat, QLinearLeakyRelu) where <see cref="QuantizationPlan"/> says:
/// each quantized activation passes one QuantizeLinear (uint8) and one DequantizeLinear that all its readers share;
/// each quantized convolution reads int8 per-channel weights and an int32 bias at the input's scale times the channel's
/// weight scale (<see cref="Int8Scales"/>). Value names of the float graph are kept, so ranges calibrated on it
/// (<see cref="ActivationRanges"/>) apply.
/// </summary>
public static class QdqQuantizer
{
    /// <summary>Metadata key under which the exporter names the prediction value (the input of the task's residual).</summary>
    public const string PredictionKey = "hinas.prediction";

    /// <summary>
    /// Metadata key under which the exporter names the value the network reads: the graph's input, or the input followed
    /// by its noise-level plane for a denoiser told the noise (built in float from the <c>noise_level</c> input).
    /// </summary>
    public const string NetworkInputKey = "hinas.network_input";

    /// <summary>Metadata key recording the precision of the graph's arithmetic (<see cref="ModelPrecision"/>).</summary>
    public const string PrecisionKey = "hinas.precision";

    public static ModelProto Quantize(ModelProto floatModel, IReadOnlyDictionary<string, ValueRange> ranges) =>
        Quantize(floatModel, ranges, QuantizationPlan.Of(floatModel));

    /// <summary>The graph in QDQ form where <paramref name="plan"/> (a plan of <paramref name="floatModel"/>) says.</summary>
    public static ModelProto Quantize(ModelProto floatModel, IReadOnlyDictionary<string, ValueRange> ranges, QuantizationPlan plan)
    {
        var model = floatModel.Clone();
        var graph = model.Graph;
        var initializers = graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var quantized = new Dictionary<string, (string Dequantized, float Scale, string ScaleName, string ZeroName)>(StringComparer.Ordinal);
        var fresh = new FreshNames(graph);
        var rewritten = new List<NodeProto>();
        var computedInInt8 = new HashSet<string>(StringComparer.Ordinal);

        void Quantize(string value)
        {
            if (!plan.Activations.Contains(value) || quantized.ContainsKey(value)) return;
            if (!ranges.TryGetValue(value, out var range)) throw new ArgumentException($"no calibrated range for value '{value}'");
            var (scale, zeroPoint) = Int8Scales.Activation(range);
            var scaleName = fresh.Initializer("scale", OnnxTensors.Float(new[] { scale }));
            var zeroName = fresh.Initializer("zero_point", OnnxTensors.UInt8(new[] { zeroPoint }));
            var q = fresh.Name(value + "_q");
            var dq = fresh.Name(value + "_dq");
            rewritten.Add(Node("QuantizeLinear", fresh.Name("node_q"), new[] { value, scaleName, zeroName }, q));
            rewritten.Add(Node("DequantizeLinear", fresh.Name("node_dq"), new[] { q, scaleName, zeroName }, dq));
            quantized[value] = (dq, scale, scaleName, zeroName);
        }

        // the graph's image rounded as the network reads it, for a denoiser's residual (QuantizationPlan.RoundedResidual)
        string RoundedImage(string image)
        {
            if (image == plan.NetworkInput) return quantized[image].Dequantized;
            var grid = quantized[plan.NetworkInput];
            var q = fresh.Name(image + "_rounded_q");
            var dq = fresh.Name(image + "_rounded");
            rewritten.Add(Node("QuantizeLinear", fresh.Name("node_q"), new[] { image, grid.ScaleName, grid.ZeroName }, q));
            rewritten.Add(Node("DequantizeLinear", fresh.Name("node_dq"), new[] { q, grid.ScaleName, grid.ZeroName }, dq));
            return dq;
        }

        foreach (var input in graph.Input) Quantize(input.Name);
        for (var index = 0; index < graph.Node.Count; index++)
        {
            var node = graph.Node[index];
            var inQuantizedNode = plan.Nodes.Contains(index);
            if (inQuantizedNode && node.OpType == "Conv") QuantizeConvConstants(node, quantized[node.Input[0]].Scale, initializers, fresh, rewritten);
            // quantized nodes read every activation dequantized; float ones (the residual) only what int8 nodes computed,
            // and the graph's input as it came — except a denoiser's residual, which reads it rounded as the network does
            for (var i = 0; i < node.Input.Count; i++)
                if (quantized.TryGetValue(node.Input[i], out var q) && (inQuantizedNode || computedInInt8.Contains(node.Input[i]))) node.Input[i] = q.Dequantized;
            if (index == plan.RoundedResidual) node.Input[0] = RoundedImage(node.Input[0]);
            rewritten.Add(node);
            foreach (var output in node.Output)
            {
                Quantize(output);
                if (inQuantizedNode) computedInInt8.Add(output);
            }
        }
        graph.Node.Clear();
        graph.Node.AddRange(rewritten);
        var read = new HashSet<string>(graph.Node.SelectMany(n => n.Input), StringComparer.Ordinal);
        var kept = graph.Initializer.Where(t => read.Contains(t.Name)).ToList();
        graph.Initializer.Clear();
        graph.Initializer.AddRange(kept);
        SetMetadata(model, PrecisionKey, ModelPrecision.Int8);
        return model;
    }

    private static void QuantizeConvConstants(NodeProto conv, float inputScale, Dictionary<string, TensorProto> initializers, FreshNames fresh, List<NodeProto> rewritten)
    {
        var weight = initializers.TryGetValue(conv.Input[1], out var w) ? w : throw new NotSupportedException($"Conv '{conv.Name}' has a weight that is not a constant");
        var values = OnnxTensors.Floats(weight);
        var outChannels = (int)weight.Dims[0];
        var scales = Int8Scales.Weight(values, outChannels);
        var perChannel = values.Length / outChannels;
        var q = new sbyte[values.Length];
        for (var i = 0; i < values.Length; i++)
            q[i] = (sbyte)Math.Clamp(MathF.Round(values[i] / scales[i / perChannel], MidpointRounding.ToEven), -Int8Scales.WeightLevels, Int8Scales.WeightLevels);
        var qWeight = OnnxTensors.Int8(q, weight.Dims.ToArray());
        var zero = OnnxTensors.Int8(new sbyte[outChannels], outChannels);
        conv.Input[1] = Dequantized(conv.Input[1], qWeight, OnnxTensors.Float(scales, outChannels), zero, fresh, rewritten);
        if (conv.Input.Count < 3 || conv.Input[2].Length == 0) return;
        var bias = OnnxTensors.Floats(initializers[conv.Input[2]]);
        var biasScales = scales.Select(s => s * inputScale).ToArray();
        var qBias = new int[outChannels];
        for (var c = 0; c < outChannels; c++) qBias[c] = (int)Math.Clamp(Math.Round(bias[c] / biasScales[c], MidpointRounding.ToEven), -int.MaxValue, int.MaxValue);
        var biasTensor = OnnxTensors.Int32(qBias, outChannels);
        var biasZero = OnnxTensors.Int32(new int[outChannels], outChannels);
        conv.Input[2] = Dequantized(conv.Input[2], biasTensor, OnnxTensors.Float(biasScales, outChannels), biasZero, fresh, rewritten);
    }

    /// <summary>A constant stored quantized, and the DequantizeLinear (axis 0) that gives it back.</summary>
    private static string Dequantized(string name, TensorProto values, TensorProto scales, TensorProto zeroPoints, FreshNames fresh, List<NodeProto> rewritten)
    {
        var output = fresh.Name(name + "_dq");
        rewritten.Add(Node("DequantizeLinear", fresh.Name("node_dq"),
            new[] { fresh.Initializer(name + "_q", values), fresh.Initializer(name + "_scale", scales), fresh.Initializer(name + "_zero_point", zeroPoints) }, output, ("axis", 0)));
        return output;
    }

    private static NodeProto Node(string opType, string name, IEnumerable<string> inputs, string output, params (string Name, long Value)[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = name };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        foreach (var (key, value) in attributes) node.Attribute.Add(new AttributeProto { Name = key, Type = AttributeProto.Types.AttributeType.Int, I = value });
        return node;
    }

    private static void SetMetadata(ModelProto model, string key, string value)
    {
        var entry = model.MetadataProps.FirstOrDefault(p => p.Key == key);
        if (entry is null) model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        else entry.Value = value;
    }

    /// <summary>Names not yet used in the graph.</summary>
    private sealed class FreshNames
    {
        private readonly GraphProto _graph;
        private readonly HashSet<string> _used = new(StringComparer.Ordinal);

        public FreshNames(GraphProto graph)
        {
            _graph = graph;
            foreach (var n in graph.Node) { _used.Add(n.Name); foreach (var o in n.Output) _used.Add(o); }
            foreach (var t in graph.Initializer) _used.Add(t.Name);
            foreach (var i in graph.Input) _used.Add(i.Name);
        }

        public string Name(string stem)
        {
            var name = stem;
            for (var n = 1; !_used.Add(name); n++) name = $"{stem}_{n}";
            return name;
        }

        public string Initializer(string stem, TensorProto tensor)
        {
            tensor.Name = Name(stem);
            _graph.Initializer.Add(tensor);
            return tensor.Name;
        }
    }
}
