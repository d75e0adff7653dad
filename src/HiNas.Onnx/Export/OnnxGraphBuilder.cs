using Google.Protobuf;
using HiNas.Onnx.Proto;

using HiNas.Search.Export;

namespace HiNas.Onnx.Export;

/// <summary>Builds an ONNX graph node by node with unique value names and raw-data initializers.</summary>
internal sealed class OnnxGraphBuilder : IGraphEmitter
{
    private readonly GraphProto _graph = new() { Name = "hinas" };
    private readonly Dictionary<string, int> _counters = new();

    public GraphProto Graph => _graph;

    public string Fresh(string stem)
    {
        _counters.TryGetValue(stem, out var n);
        _counters[stem] = n + 1;
        return $"{stem}_{n}";
    }

    public string Initializer(string stem, float[] data, long[] dims)
    {
        var tensor = OnnxTensors.Float(data, dims);
        tensor.Name = Fresh(stem);
        _graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    public string Node(string opType, IEnumerable<string> inputs, params AttributeProto[] attributes)
    {
        var output = Fresh(opType.ToLowerInvariant());
        var node = new NodeProto { OpType = opType, Name = Fresh("node_" + opType.ToLowerInvariant()) };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return output;
    }

    public string Conv(string x, FoldedConv conv)
    {
        var w = Initializer("w", conv.Weight, conv.Shape);
        var b = Initializer("b", conv.Bias, new long[] { conv.Shape[0] });
        return Node("Conv", new[] { x, w, b },
            Ints("kernel_shape", conv.Shape[2], conv.Shape[3]), Ints("pads", conv.Padding), Ints("dilations", conv.Dilation),
            Ints("strides", 1, 1), Int("group", conv.Groups));
    }

    public string LeakyRelu(string x, double slope) => Node("LeakyRelu", new[] { x }, Float("alpha", (float)slope));

    public string Relu(string x) => Node("Relu", new[] { x });

    public string Add(string a, string b) => Node("Add", new[] { a, b });

    public string Sub(string a, string b) => Node("Sub", new[] { a, b });

    public string Scale(string x, float[] perChannel) => Node("Mul", new[] { x, Initializer("scale", perChannel, new long[] { 1, perChannel.Length, 1, 1 }) });

    public string Concat(IEnumerable<string> parts) => Node("Concat", parts, Int("axis", 1));

    public string SpaceToDepth(string x, int blocksize) => Node("SpaceToDepth", new[] { x }, Int("blocksize", blocksize));

    /// <summary>PixelShuffle: DepthToSpace in CRD mode (channel, row, column order of PyTorch).</summary>
    public string PixelShuffle(string x, int scale) => Node("DepthToSpace", new[] { x }, Int("blocksize", scale), Str("mode", "CRD"));

    /// <summary>
    /// PyTorch bicubic (a = −0.75, align_corners = false) in the depth domain of <paramref name="blocks"/>
    /// (<see cref="BicubicPhases"/>): edge padding, then at blocks 1 a grouped 5×5 convolution giving each channel its s²
    /// output phases, at blocks r &gt; 1 SpaceToDepth(r) and a K×K convolution giving each channel its (s·r)² phases. ONNX
    /// Runtime's Resize (cubic, half_pixel, no exclusion) computes the same values on one thread: 40 of the 50 ms of a
    /// ×2 upscaler's 640×360 frame; the convolution takes under 1 ms at blocks 1, and at blocks 2 the sum with the
    /// prediction is shuffled once instead of twice (a DepthToSpace ×2 of 12 channels at 640×360 alone is 6 ms). At
    /// blocks r &gt; 1 the channels run as a batch of one-channel images (free reshapes) through one kernel of r² inputs:
    /// a convolution over all C·r² inputs would be C times the work, almost all of it zero weights (the ×2 upscaler's
    /// from 12 channels was 9 % of its frame).
    /// </summary>
    public string BicubicPhases(string x, long channels, int scale, int blocks)
    {
        var pad = Export.BicubicPhases.Padding(blocks);
        var pads = Int64Initializer("pads", new long[] { 0, 0, pad, pad, 0, 0, pad, pad });
        var side = Export.BicubicPhases.BlockSide(blocks);
        var convolution = new[] { Ints("kernel_shape", side, side), Ints("pads", 0, 0, 0, 0), Ints("dilations", 1, 1), Ints("strides", 1, 1) };
        if (blocks == 1)
        {
            var padded = Node("Pad", new[] { x, pads }, Str("mode", "edge"));
            var kernels = Export.BicubicPhases.Kernels(scale);
            var weight = new float[channels * kernels.Length];
            for (var c = 0; c < channels; c++) kernels.CopyTo(weight, c * kernels.Length);
            var grouped = Initializer("w", weight, new long[] { channels * scale * scale, 1, side, side });
            return Node("Conv", new[] { padded, grouped }, convolution.Append(Int("group", channels)).ToArray());
        }
        var phases = (long)scale * scale * blocks * blocks;
        var planes = Reshape(x, -1, 1, 0, 0); // [N·C, 1, H, W]
        var w = Initializer("w", Export.BicubicPhases.BlockKernels(1, scale, blocks), new long[] { phases, blocks * blocks, side, side });
        var phased = Node("Conv", new[] { SpaceToDepth(Node("Pad", new[] { planes, pads }, Str("mode", "edge")), blocks), w }, convolution.Append(Int("group", 1)).ToArray());
        return Reshape(phased, -1, channels * phases, 0, 0); // [N, C·S², h, w]: channel c·S² + phase, PixelShuffle's order
    }

    /// <summary>ONNX Reshape to <paramref name="shape"/> (0 keeps the input's dimension, −1 takes what is left).</summary>
    public string Reshape(string x, params long[] shape) => Node("Reshape", new[] { x, Int64Initializer("shape", shape) });

    /// <summary>
    /// The image followed by its noise-level plane (<see cref="Imaging.Tasks.NoiseLevelMap"/>): the image's first channel
    /// times 0 plus <paramref name="level"/> (a [1, 1, 1, 1] input, broadcast), concatenated after the image's channels.
    /// </summary>
    public string WithNoiseLevelPlane(string image, string level)
    {
        var first = Node("Slice", new[] { image, Int64Initializer("starts", new long[] { 0 }), Int64Initializer("ends", new long[] { 1 }), Int64Initializer("axes", new long[] { 1 }) });
        var zero = Node("Mul", new[] { first, Initializer("zero", new[] { 0f }, new long[] { 1 }) });
        return Concat(new[] { image, Add(zero, level) });
    }

    /// <summary>A float32 graph input of one value per run, shaped as <see cref="Inference.Engine.NoiseLevelFeed.Shape"/> (the noise level).</summary>
    public static ValueInfoProto ScalarValue(string name)
    {
        var shape = new TensorShapeProto();
        foreach (var side in Inference.Engine.NoiseLevelFeed.Shape) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = side });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    private string Int64Initializer(string stem, long[] data)
    {
        var tensor = OnnxTensors.Int64(data, data.Length);
        tensor.Name = Fresh(stem);
        _graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    public static ValueInfoProto ImageValue(string name, long channels, string height, string width)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "batch" });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = channels });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = height });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = width });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    private static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    private static AttributeProto Str(string name, string value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    internal static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }
}
