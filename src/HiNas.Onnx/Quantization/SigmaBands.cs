using HiNas.Imaging.Tasks;
using HiNas.Onnx.Export;
using HiNas.Onnx.Proto;

namespace HiNas.Onnx.Quantization;

/// <summary>
/// One int8 graph per σ band of a denoiser told the noise, joined into one graph that runs the graph of the band the
/// told σ falls in (ONNX If on the <see cref="NoiseLevelMap.InputName"/> input: band i holds σ in [b_i, b_i+1)). One
/// range per value over σ 0–50 is a compromise — low noise wants finer steps, high noise wider ranges (bench/defaults) —
/// and a band's graph is calibrated and tuned on its own σ. ONNX Runtime optimizes each branch as a graph of its own,
/// so a frame costs what its band's graph does (18.7 ms against 18.7 for the plain graph at 640×360, bench/defaults).
/// </summary>
public static class SigmaBands
{
    /// <summary>The bands [lo, hi] that <paramref name="boundaries"/> (σ, ascending) cut the noise range into; boundaries outside the range's interior cut nothing.</summary>
    public static IReadOnlyList<(double Lo, double Hi)> Cut((double Min, double Max) range, IReadOnlyList<double> boundaries)
    {
        var cuts = boundaries.Where(b => b > range.Min && b < range.Max).Order().ToArray();
        var edges = new[] { range.Min }.Concat(cuts).Append(range.Max).ToArray();
        return Enumerable.Range(0, edges.Length - 1).Select(i => (edges[i], edges[i + 1])).ToArray();
    }

    /// <summary>
    /// The graphs (one per band, each with the graph inputs the first has) joined: band i runs where σ/255 is under
    /// <paramref name="boundaries"/>[i]/255 and not under the boundaries before it. The first graph's model metadata is kept.
    /// </summary>
    public static ModelProto Join(IReadOnlyList<ModelProto> bands, IReadOnlyList<double> boundaries)
    {
        if (bands.Count == 0) throw new ArgumentException("no band graphs to join", nameof(bands));
        if (boundaries.Count != bands.Count - 1) throw new ArgumentException($"{bands.Count} bands need {bands.Count - 1} boundaries, got {boundaries.Count}", nameof(boundaries));
        if (bands.Count == 1) return bands[0];
        var inputs = bands[0].Graph.Input.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        if (!inputs.Contains(NoiseLevelMap.InputName)) throw new ArgumentException($"the graphs are not told the noise (no input '{NoiseLevelMap.InputName}'): nothing to choose a band by", nameof(bands));
        foreach (var band in bands)
            if (!band.Graph.Input.Select(i => i.Name).ToHashSet(StringComparer.Ordinal).SetEquals(inputs) || band.Graph.Output.Count != 1)
                throw new ArgumentException("band graphs must have the same inputs and one output each", nameof(bands));

        var output = bands[0].Graph.Output[0];
        var joined = bands[0].Clone();
        joined.Graph = new GraphProto { Name = bands[0].Graph.Name };
        joined.Graph.Input.AddRange(bands[0].Graph.Input.Select(i => i.Clone()));
        joined.Graph.Output.Add(output.Clone());
        Choose(joined.Graph, 0, output.Name);
        return joined;

        // into `graph`: the nodes that compute `result` from bands `from`…: the band's own graph, or a choice between band `from` and the rest
        void Choose(GraphProto graph, int from, string result)
        {
            var threshold = $"band_{from}_upper";
            var below = $"band_{from}_below";
            graph.Initializer.Add(Named(OnnxTensors.Float(new[] { NoiseLevelMap.Level(boundaries[from]) }), threshold));
            graph.Node.Add(new NodeProto { OpType = "Less", Name = $"band_{from}_less", Input = { NoiseLevelMap.InputName, threshold }, Output = { below } });
            var rest = new GraphProto { Name = $"bands_{from + 1}_up" };
            var restResult = $"bands_{from + 1}_up_output";
            rest.Output.Add(Renamed(output, restResult));
            if (from + 1 == bands.Count - 1) Inline(rest, bands[from + 1], $"band_{from + 1}/", restResult);
            else Choose(rest, from + 1, restResult);
            var own = new GraphProto { Name = $"band_{from}" };
            var ownResult = $"band_{from}_output";
            own.Output.Add(Renamed(output, ownResult));
            Inline(own, bands[from], $"band_{from}/", ownResult);
            var choice = new NodeProto { OpType = "If", Name = $"band_{from}_if", Input = { below }, Output = { result } };
            choice.Attribute.Add(new AttributeProto { Name = "then_branch", Type = AttributeProto.Types.AttributeType.Graph, G = own });
            choice.Attribute.Add(new AttributeProto { Name = "else_branch", Type = AttributeProto.Types.AttributeType.Graph, G = rest });
            graph.Node.Add(choice);
        }

        // a band's nodes and constants into `graph`, its names prefixed (the graph inputs, read from the outer scope, keep theirs), its output renamed `result`
        void Inline(GraphProto graph, ModelProto band, string prefix, string result)
        {
            var bandOutput = band.Graph.Output[0].Name;
            string Name(string name) => name.Length == 0 || inputs.Contains(name) ? name : name == bandOutput ? result : prefix + name;
            foreach (var node in band.Graph.Node)
            {
                var copy = node.Clone();
                copy.Name = prefix + node.Name;
                for (var i = 0; i < copy.Input.Count; i++) copy.Input[i] = Name(copy.Input[i]);
                for (var i = 0; i < copy.Output.Count; i++) copy.Output[i] = Name(copy.Output[i]);
                graph.Node.Add(copy);
            }
            foreach (var tensor in band.Graph.Initializer) graph.Initializer.Add(Named(tensor.Clone(), Name(tensor.Name)));
        }
    }

    private static TensorProto Named(TensorProto tensor, string name)
    {
        tensor.Name = name;
        return tensor;
    }

    private static ValueInfoProto Renamed(ValueInfoProto value, string name)
    {
        var copy = value.Clone();
        copy.Name = name;
        return copy;
    }
}
