using HiNas.Inference.Packages;
using HiNas.Onnx.Proto;

namespace HiNas.Onnx.Quantization;

/// <summary>
/// Where a graph computes in int8 — the one rule <see cref="QdqQuantizer"/> writes and <see cref="FakeQuantizedGraph"/>
/// trains to: the quantized nodes are every node the prediction value depends on back to the value the network reads
/// (the network; what builds its input — a noise-level plane — and the task's residual around it stay float); the
/// quantized activations are every non-constant value a quantized node reads or writes (so the network's input and
/// the prediction too); the quantized weights are the quantized convolutions' weights.
/// </summary>
public sealed class QuantizationPlan
{
    private QuantizationPlan(string networkInput, string prediction, IReadOnlySet<int> nodes, IReadOnlySet<string> activations)
    {
        NetworkInput = networkInput;
        Prediction = prediction;
        Nodes = nodes;
        Activations = activations;
    }

    /// <summary>The value the network reads (metadata <see cref="QdqQuantizer.NetworkInputKey"/>; the graph's input in exports that do not name it).</summary>
    public string NetworkInput { get; }

    /// <summary>The value the network predicts (metadata <see cref="QdqQuantizer.PredictionKey"/> of an exported graph).</summary>
    public string Prediction { get; }

    /// <summary>Indexes into the graph's nodes of those that compute in int8.</summary>
    public IReadOnlySet<int> Nodes { get; }

    /// <summary>Names of the values quantized to uint8 (each once; every reader shares it).</summary>
    public IReadOnlySet<string> Activations { get; }

    public static QuantizationPlan Of(ModelProto model)
    {
        if (model.MetadataProps.Any(p => p.Key == QdqQuantizer.PrecisionKey && p.Value != ModelPrecision.Float32))
            throw new ArgumentException("the graph is already quantized");
        var prediction = model.MetadataProps.FirstOrDefault(p => p.Key == QdqQuantizer.PredictionKey)?.Value
            ?? throw new ArgumentException($"the graph does not name its prediction value (metadata '{QdqQuantizer.PredictionKey}'): export it again with this version");
        var graph = model.Graph;
        var networkInput = model.MetadataProps.FirstOrDefault(p => p.Key == QdqQuantizer.NetworkInputKey)?.Value
            ?? (graph.Input.Count == 1 ? graph.Input[0].Name : throw new ArgumentException(
                $"the graph has {graph.Input.Count} inputs and does not name the one its network reads (metadata '{QdqQuantizer.NetworkInputKey}'): export it again with this version"));
        var constants = new HashSet<string>(graph.Initializer.Select(t => t.Name), StringComparer.Ordinal);
        var producers = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < graph.Node.Count; i++) foreach (var output in graph.Node[i].Output) producers[output] = i;
        if (!producers.ContainsKey(prediction)) throw new ArgumentException($"the prediction value '{prediction}' is not produced by any node");

        var nodes = new HashSet<int>();
        var pending = new Stack<string>();
        pending.Push(prediction);
        while (pending.Count > 0)
        {
            var name = pending.Pop();
            if (name == networkInput || constants.Contains(name) || !producers.TryGetValue(name, out var index) || !nodes.Add(index)) continue;
            foreach (var input in graph.Node[index].Input) pending.Push(input);
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
        return new QuantizationPlan(networkInput, prediction, nodes, activations);
    }
}
