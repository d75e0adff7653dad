using HiNas.Imaging.Tasks;
using HiNas.Onnx.Proto;

namespace HiNas.Onnx.Quantization;

/// <summary>
/// Where a graph computes in int8 — the one rule <see cref="QdqQuantizer"/> writes and <see cref="FakeQuantizedGraph"/>
/// trains to: the quantized nodes are every node the prediction value depends on back to the value the network reads
/// (the network; what builds its input — a noise-level plane — and the task's residual around it stay float); the
/// quantized activations are every non-constant value a quantized node reads or writes (so the network's input unless
/// a float head reads it, and the prediction unless it is in the float tail); the quantized weights are the quantized convolutions' weights. The network's last nodes may stay
/// float (<see cref="FloatTail"/>, metadata <see cref="FloatTailKey"/>): those within N convolutions of the prediction
/// along every path, where a denoiser's rounding errors reach its output amplified by the head, and what follows them
/// (a sum or ReLU before the tail's first convolution stays in int8 with what it reads). Its first nodes may
/// stay float too (<see cref="FloatHead"/>, metadata <see cref="FloatHeadKey"/>): those within N convolutions of the
/// network input along every path, so that the network reads the image as it came and the first int8 value is the
/// stem's output.
/// </summary>
public sealed class QuantizationPlan
{
    /// <summary>Metadata key of the float tail's depth N (absent: 0, every network node in int8).</summary>
    public const string FloatTailKey = "hinas.int8_float_tail";

    /// <summary>Metadata key of the float head's depth N (absent: 0, the network input rounded too).</summary>
    public const string FloatHeadKey = "hinas.int8_float_head";

    private QuantizationPlan(string networkInput, IReadOnlyList<string> predictions, IReadOnlySet<int> nodes, IReadOnlySet<int> floatTail, IReadOnlySet<int> floatHead, IReadOnlySet<string> activations, int depth, int? roundedResidual)
    {
        FloatHead = floatHead;
        RoundedResidual = roundedResidual;
        NetworkInput = networkInput;
        Predictions = predictions;
        Nodes = nodes;
        FloatTail = floatTail;
        Activations = activations;
        Depth = depth;
    }

    /// <summary>The value the network reads (metadata <see cref="QdqQuantizer.NetworkInputKey"/>; the graph's input in exports that do not name it).</summary>
    public string NetworkInput { get; }

    /// <summary>
    /// The values the network computes for what follows it: an exported graph's one prediction (metadata <see
    /// cref="QdqQuantizer.PredictionKey"/>); a part of a network timed on its own, its outputs (a stem's two states).
    /// </summary>
    public IReadOnlyList<string> Predictions { get; }

    /// <summary>Indexes into the graph's nodes of those that compute in int8.</summary>
    public IReadOnlySet<int> Nodes { get; }

    /// <summary>Indexes of the network's nodes that stay float: its last ones (<see cref="FloatTailKey"/>).</summary>
    public IReadOnlySet<int> FloatTail { get; }

    /// <summary>
    /// Indexes of the network's nodes that stay float at its start (<see cref="FloatHeadKey"/>): they read the network
    /// input as it came; what of theirs int8 nodes read is rounded, and no head node reads it (a value is rounded for
    /// all its readers or for none).
    /// </summary>
    public IReadOnlySet<int> FloatHead { get; }

    /// <summary>Names of the values quantized to uint8 (each once; every int8 reader shares it).</summary>
    public IReadOnlySet<string> Activations { get; }

    /// <summary>
    /// Index of a denoiser's residual (the node subtracting the prediction from the graph's image input), which reads
    /// the image rounded as the network reads it (the network input's scale and zero point), or null (an upscaler's
    /// residual, the bicubic image, reads it as it came; so does any residual when no node of the network is int8).
    /// The network predicts the noise of the image it was given: subtracted from the unrounded image, that prediction
    /// would leave the image's rounding error in the output, where no tuning reaches it; subtracted from the rounded
    /// one, the rounding error is part of the noise the network removes.
    /// </summary>
    public int? RoundedResidual { get; }

    /// <summary>The most convolutions any network node is from the prediction: a float tail this deep leaves nothing in int8.</summary>
    public int Depth { get; }

    /// <summary>The graph with its float tail's depth recorded (a clone).</summary>
    public static ModelProto WithFloatTail(ModelProto model, int depth) => WithDepth(model, FloatTailKey, depth, "a float tail's");

    /// <summary>The graph with its float head's depth recorded (a clone).</summary>
    public static ModelProto WithFloatHead(ModelProto model, int depth) => WithDepth(model, FloatHeadKey, depth, "a float head's");

    private static ModelProto WithDepth(ModelProto model, string key, int depth, string what)
    {
        if (depth < 0) throw new ArgumentOutOfRangeException(nameof(depth), depth, $"{what} depth is a count of convolutions, ≥ 0");
        var copy = model.Clone();
        var text = depth.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var entry = copy.MetadataProps.FirstOrDefault(p => p.Key == key);
        if (entry is null) copy.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = text });
        else entry.Value = text;
        return copy;
    }

    /// <summary>The plan of an exported graph: its network input and prediction as its metadata names them.</summary>
    public static QuantizationPlan Of(ModelProto model)
    {
        var prediction = model.MetadataProps.FirstOrDefault(p => p.Key == QdqQuantizer.PredictionKey)?.Value
            ?? throw new ArgumentException($"the graph does not name its prediction value (metadata '{QdqQuantizer.PredictionKey}'): export it again with this version");
        var graph = model.Graph;
        var networkInput = model.MetadataProps.FirstOrDefault(p => p.Key == QdqQuantizer.NetworkInputKey)?.Value
            ?? (graph.Input.Count == 1 ? graph.Input[0].Name : throw new ArgumentException(
                $"the graph has {graph.Input.Count} inputs and does not name the one its network reads (metadata '{QdqQuantizer.NetworkInputKey}'): export it again with this version"));
        return Of(model, networkInput, new[] { prediction });
    }

    /// <summary>
    /// The plan of a graph whose network input and predictions are given: a part of a network timed on its own
    /// (int8 latency tables), whose quantized nodes are every node the predictions depend on back to the network input
    /// or to the part's other inputs.
    /// </summary>
    public static QuantizationPlan Of(ModelProto model, string networkInput, IReadOnlyList<string> predictions)
    {
        if (model.MetadataProps.Any(p => p.Key == QdqQuantizer.PrecisionKey && p.Value != ModelPrecision.Float32))
            throw new ArgumentException("the graph is already quantized");
        if (predictions.Count == 0) throw new ArgumentException("a quantization plan needs at least one prediction value");
        var graph = model.Graph;
        var constants = new HashSet<string>(graph.Initializer.Select(t => t.Name), StringComparer.Ordinal);
        var producers = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < graph.Node.Count; i++) foreach (var output in graph.Node[i].Output) producers[output] = i;
        foreach (var prediction in predictions)
            if (!producers.ContainsKey(prediction)) throw new ArgumentException($"the prediction value '{prediction}' is not produced by any node");

        var nodes = new HashSet<int>();
        var pending = new Stack<string>(predictions);
        while (pending.Count > 0)
        {
            var name = pending.Pop();
            if (name == networkInput || constants.Contains(name) || !producers.TryGetValue(name, out var index) || !nodes.Add(index)) continue;
            foreach (var input in graph.Node[index].Input) pending.Push(input);
        }
        // each network node's distance to the prediction in convolutions (itself included) along its longest path, so
        // that every reader of a tail node is in the tail too (a value is rounded for all its readers or for none): the
        // graph's nodes are in topological order, so walking them backwards sees every reader of a value before its producer
        var distance = new Dictionary<int, int>();
        var valueDistance = predictions.Distinct(StringComparer.Ordinal).ToDictionary(p => p, _ => 0, StringComparer.Ordinal);
        for (var index = graph.Node.Count - 1; index >= 0; index--)
        {
            if (!nodes.Contains(index)) continue;
            var node = graph.Node[index];
            var read = node.Output.Where(valueDistance.ContainsKey).ToArray();
            if (read.Length == 0) throw new ArgumentException($"node '{node.Name}' comes after the nodes that read it: the graph is not in topological order");
            var d = read.Max(o => valueDistance[o]) + (node.OpType == "Conv" ? 1 : 0);
            distance[index] = d;
            foreach (var input in node.Input)
                if (input.Length > 0) valueDistance[input] = valueDistance.TryGetValue(input, out var known) ? Math.Max(known, d) : d;
        }
        var tailDepth = DepthOf(model, FloatTailKey);
        // the tail: its convolutions and what follows them. What lies between the last int8 convolutions and the
        // tail's first (a sum, a ReLU) stays in int8 with them: ONNX Runtime fuses it there, and the value rounded is
        // then the ReLU's output over its unsigned range, not the signed addends before it, half of whose levels the
        // ReLU throws away. Forwards, in the graph's topological order: a node reading a tail node is in the tail (a
        // value is rounded for all its readers or for none), one reading only the int8 part's values is in int8.
        var tail = new HashSet<int>();
        var int8Writers = new Dictionary<string, bool>(StringComparer.Ordinal); // value → written by an int8 node (false: by a tail node)
        for (var index = 0; index < graph.Node.Count && tailDepth > 0; index++)
        {
            if (!nodes.Contains(index)) continue;
            var node = graph.Node[index];
            var inTail = distance[index] <= tailDepth && (node.OpType == "Conv"
                || node.Input.Any(v => int8Writers.TryGetValue(v, out var int8) && !int8)
                || !node.Input.Any(v => int8Writers.ContainsKey(v)));
            if (inTail) tail.Add(index);
            foreach (var output in node.Output) int8Writers[output] = !inTail;
        }
        nodes.ExceptWith(tail);
        // each network node's distance from the network input in convolutions (itself included) along its longest path:
        // forwards, so that every value a head node reads comes from the head or the input
        var headDepth = DepthOf(model, FloatHeadKey);
        var fromInput = new Dictionary<string, int>(StringComparer.Ordinal) { [networkInput] = 0 };
        var head = new HashSet<int>();
        for (var index = 0; index < graph.Node.Count && headDepth > 0; index++)
        {
            if (!nodes.Contains(index)) continue;
            var node = graph.Node[index];
            var d = node.Input.Where(fromInput.ContainsKey).Select(i => fromInput[i]).DefaultIfEmpty(0).Max() + (node.OpType == "Conv" ? 1 : 0);
            foreach (var output in node.Output) fromInput[output] = d;
            if (d <= headDepth) head.Add(index);
        }
        nodes.ExceptWith(head);
        // a value is rounded for all its readers or for none: what the head computes (and, with a head, the network
        // input) may be read by int8 nodes or by float network nodes, not by both
        if (head.Count > 0)
        {
            var floatWritten = new HashSet<string>(head.SelectMany(i => graph.Node[i].Output), StringComparer.Ordinal) { networkInput };
            var floatReads = new HashSet<string>(head.Concat(tail).SelectMany(i => graph.Node[i].Input), StringComparer.Ordinal);
            var both = nodes.SelectMany(i => graph.Node[i].Input).FirstOrDefault(v => floatWritten.Contains(v) && floatReads.Contains(v));
            if (both is not null)
                throw new NotSupportedException($"with a float head of {headDepth} and a float tail of {tailDepth}, value '{both}' would be read by float and by int8 nodes: choose other depths");
        }
        var activations = new HashSet<string>(StringComparer.Ordinal);
        foreach (var index in nodes)
        {
            var node = graph.Node[index];
            if (node.OpType != "Conv" && node.Input.Any(constants.Contains))
                throw new NotSupportedException($"{node.OpType} node '{node.Name}' has a constant input; only Conv weights are quantized");
            foreach (var name in node.Input.Concat(node.Output))
                if (name.Length > 0 && !constants.Contains(name)) activations.Add(name);
        }
        // a value only a ReLU reads is rounded once, at the ReLU's output: uint8 with zero point 0 clips at 0 as the ReLU
        // does, and ONNX Runtime folds the ReLU and its rounding into the convolution or sum that writes the value
        // (QLinearConv, QLinearAdd). Rounded before the ReLU too, the value would be rounded twice — first over a
        // signed range, half of whose levels the ReLU throws away — with a dequantize and a quantize pass between.
        var readers = graph.Node.SelectMany(n => n.Input).Where(n => n.Length > 0).GroupBy(n => n, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var outputs = new HashSet<string>(graph.Output.Select(o => o.Name).Concat(predictions), StringComparer.Ordinal) { networkInput };
        foreach (var index in nodes)
        {
            var relu = graph.Node[index];
            if (relu.OpType == "Relu" && readers[relu.Input[0]] == 1 && !outputs.Contains(relu.Input[0]) && producers.TryGetValue(relu.Input[0], out var writer) && nodes.Contains(writer))
                activations.Remove(relu.Input[0]);
        }
        var image = graph.Input[0].Name;
        var residuals = !activations.Contains(networkInput) ? Array.Empty<int>() : Enumerable.Range(0, graph.Node.Count)
            .Where(i => graph.Node[i].OpType == "Sub" && graph.Node[i].Input[0] == image && !nodes.Contains(i) && !tail.Contains(i)).ToArray();
        if (residuals.Length > 1) throw new ArgumentException($"the graph subtracts from its input '{image}' in {residuals.Length} nodes: which is the residual is not clear");
        int? roundedResidual = residuals.Length == 1 ? residuals[0] : null;
        return new QuantizationPlan(networkInput, predictions, nodes, tail, head, activations, distance.Values.DefaultIfEmpty(0).Max(), roundedResidual);
    }

    private static int DepthOf(ModelProto model, string key)
    {
        var text = model.MetadataProps.FirstOrDefault(p => p.Key == key)?.Value;
        if (text is null) return 0;
        return int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var depth)
            ? depth : throw new ArgumentException($"metadata '{key}' is '{text}', not a count of convolutions");
    }
}
