using Google.Protobuf;
using HiNas.Imaging.Tasks;
using HiNas.Onnx.Proto;
using HiNas.Onnx.Quantization;
using OrtTensors = Microsoft.ML.OnnxRuntime.Tensors;

namespace HiNas.Onnx.Latency;

/// <summary>
/// Graphs as their int8 export runs them, for timing (latency tables of precision int8, and the whole networks judged
/// against them): the QDQ form <see cref="QdqQuantizer"/> writes where <see cref="QuantizationPlan"/> says, each
/// activation's range calibrated on random inputs. ONNX Runtime's int8 kernels take as long whatever the values; the
/// ranges only have to be calibrated ones — holding 0 at the bottom where a ReLU's output is rounded, as an export's
/// do — for ONNX Runtime to fold each ReLU into the kernel before it as it does in a served int8 graph.
/// </summary>
public static class Int8Timing
{
    /// <summary>Side of the random calibration frames (a multiple of every pixel-unshuffle factor).</summary>
    private const int CalibrationSide = 64;

    /// <summary>An exported network's graph as <paramref name="precision"/> times it: as it is in float32, as <see cref="Network"/> in int8.</summary>
    public static byte[] InPrecision(byte[] onnx, int channels, string precision) =>
        ModelPrecision.Require(precision) == ModelPrecision.Int8 ? Network(onnx, channels) : onnx;

    /// <summary>
    /// An exported network (<see cref="Export.OnnxExporter"/>) in int8, as `hinas export --int8` writes it with its
    /// defaults (no float tail or head); a graph already int8 as it is.
    /// </summary>
    public static byte[] Network(byte[] onnx, int channels)
    {
        var model = ModelProto.Parser.ParseFrom(onnx);
        if (model.MetadataProps.Any(p => p.Key == QdqQuantizer.PrecisionKey && p.Value == ModelPrecision.Int8)) return onnx;
        var feed = model.Graph.Input.ToDictionary(i => i.Name, i => Random(i.Name == Export.OnnxExporter.InputName ? [1, channels, CalibrationSide, CalibrationSide] : [1, 1, 1, 1]));
        try
        {
            return QdqQuantizer.Quantize(model, ActivationRanges.Calibrate(model, new[] { feed })).ToByteArray();
        }
        catch (NotSupportedException e)
        {
            throw new NotSupportedException($"the network has no int8 form ({e.Message}): time it in {ModelPrecision.Float32}, or search a space without the operation (--operations)", e);
        }
    }

    /// <summary>
    /// One part of a network (<see cref="LatencyProfiler"/>) in int8, as it runs inside the int8 network: its inputs
    /// that are values the network computed arrive as uint8, the image as it came (float, rounded by the part where the
    /// network rounds it); its outputs leave as uint8 — a head's, whose graph names its prediction in metadata, after
    /// the task's residual in float. The uint8 values arrive and leave channels last (<see cref="ChannelsLastKey"/>), the
    /// layout ONNX Runtime's int8 convolutions keep between them inside a network: given the ONNX layout, each part
    /// would also time a transpose in and one out (a third of a 48-channel convolution's time on a CPU with VNNI) that
    /// a whole network runs only at its ends.
    /// </summary>
    internal static ModelProto Part(ModelProto floatPart, IReadOnlyList<LatencyProfiler.PartInput> inputs)
    {
        var plan = PlanOf(floatPart, inputs);
        var feed = inputs.ToDictionary(i => i.Name, i => Random(i.Scalar ? [1, 1, 1, 1] : [1, i.Channels, CalibrationSide / i.Divisor, CalibrationSide / i.Divisor]));
        var model = QdqQuantizer.Quantize(floatPart, ActivationRanges.Calibrate(floatPart, new[] { feed }), plan);
        var channelsLast = new List<string>();
        foreach (var input in inputs.Where(i => !i.Image))
        {
            ArriveQuantized(model.Graph, input.Name);
            ArriveChannelsLast(model.Graph, input.Name);
            channelsLast.Add(input.Name);
        }
        if (HeadPrediction(floatPart) is null)
            foreach (var output in plan.Predictions) LeaveChannelsLast(model.Graph, LeaveQuantized(model.Graph, output));
        model.MetadataProps.Add(new StringStringEntryProto { Key = ChannelsLastKey, Value = string.Join(',', channelsLast) });
        return model;
    }

    /// <summary>Metadata of a timed int8 part: its inputs given channels last ([N, H, W, C]), comma-separated.</summary>
    private const string ChannelsLastKey = "hinas.timing.channels_last";

    /// <summary>The parts' inputs <paramref name="model"/> takes channels last (by their names in the part), none for other graphs.</summary>
    internal static IReadOnlySet<string> ChannelsLastInputs(ModelProto model) =>
        (model.MetadataProps.FirstOrDefault(p => p.Key == ChannelsLastKey)?.Value.Split(',', StringSplitOptions.RemoveEmptyEntries) ?? []).ToHashSet();

    /// <summary>The graph input a part's input <paramref name="name"/> is given as, channels last.</summary>
    internal static string ChannelsLastName(string name) => $"{name}_channels_last";

    /// <summary>Channels-last order of an NCHW tensor, and back.</summary>
    private static readonly long[] ToChannelsLast = [0, 2, 3, 1], FromChannelsLast = [0, 3, 1, 2];

    /// <summary>Where a part computes in int8: from the image where it reads it (a stem), else from the values the network computed, to its outputs — a head's to its prediction.</summary>
    internal static QuantizationPlan PlanOf(ModelProto floatPart, IReadOnlyList<LatencyProfiler.PartInput> inputs)
    {
        var named = HeadPrediction(floatPart);
        var predictions = named is null ? floatPart.Graph.Output.Select(o => o.Name).ToArray() : new[] { named };
        var networkInput = named is null && inputs.FirstOrDefault(i => i.Image) is { } image ? image.Name : inputs.First(i => !i.Image).Name;
        return QuantizationPlan.Of(floatPart, networkInput, predictions);
    }

    /// <summary>The value a head part names as its prediction (what the task's residual reads), or null for every other part.</summary>
    private static string? HeadPrediction(ModelProto part) => part.MetadataProps.FirstOrDefault(p => p.Key == QdqQuantizer.PredictionKey)?.Value;

    /// <summary>The graph input <paramref name="name"/> as uint8, read by its DequantizeLinear without the QuantizeLinear before it.</summary>
    private static void ArriveQuantized(GraphProto graph, string name)
    {
        var quantize = graph.Node.Single(n => n.OpType == "QuantizeLinear" && n.Input[0] == name);
        foreach (var node in graph.Node)
            for (var i = 0; i < node.Input.Count; i++)
                if (node.Input[i] == quantize.Output[0]) node.Input[i] = name;
        graph.Node.Remove(quantize);
        graph.Input.Single(i => i.Name == name).Type.TensorType.ElemType = (int)TensorProto.Types.DataType.Uint8;
    }

    /// <summary>The graph input <paramref name="name"/> given channels last: transposed to the ONNX layout by the graph (a transpose ONNX Runtime cancels against its own).</summary>
    private static void ArriveChannelsLast(GraphProto graph, string name)
    {
        var input = graph.Input.Single(i => i.Name == name);
        var given = ChannelsLastName(name);
        input.Name = given;
        Reorder(input.Type.TensorType.Shape, ToChannelsLast);
        graph.Node.Insert(0, Transpose(given, name, FromChannelsLast));
    }

    /// <summary>The graph output <paramref name="name"/> left channels last.</summary>
    private static void LeaveChannelsLast(GraphProto graph, string name)
    {
        var output = graph.Output.Single(o => o.Name == name);
        var left = ChannelsLastName(name);
        output.Name = left;
        if (output.Type.TensorType.Shape is { Dim.Count: 4 } shape) Reorder(shape, ToChannelsLast);
        graph.Node.Add(Transpose(name, left, ToChannelsLast));
    }

    private static NodeProto Transpose(string input, string output, long[] perm) =>
        new() { OpType = "Transpose", Name = $"{output}_transpose", Input = { input }, Output = { output }, Attribute = { Export.OnnxGraphBuilder.Ints("perm", perm) } };

    private static void Reorder(TensorShapeProto shape, long[] perm)
    {
        var dims = perm.Select(p => shape.Dim[(int)p].Clone()).ToArray();
        shape.Dim.Clear();
        shape.Dim.Add(dims);
    }

    /// <summary>The graph output <paramref name="name"/> as the uint8 its QuantizeLinear writes, without the DequantizeLinear after it; its name now.</summary>
    private static string LeaveQuantized(GraphProto graph, string name)
    {
        var quantized = graph.Node.Single(n => n.OpType == "QuantizeLinear" && n.Input[0] == name).Output[0];
        foreach (var dequantize in graph.Node.Where(n => n.OpType == "DequantizeLinear" && n.Input[0] == quantized).ToArray())
            if (!graph.Node.Any(n => n.Input.Contains(dequantize.Output[0]))) graph.Node.Remove(dequantize);
        var output = graph.Output.Single(o => o.Name == name);
        output.Name = quantized;
        output.Type.TensorType.ElemType = (int)TensorProto.Types.DataType.Uint8;
        return quantized;
    }

    private static OrtTensors.DenseTensor<float> Random(int[] shape)
    {
        var random = new Random(1);
        var tensor = new OrtTensors.DenseTensor<float>(shape);
        var span = tensor.Buffer.Span;
        for (var i = 0; i < span.Length; i++) span[i] = (float)random.NextDouble();
        return tensor;
    }
}
