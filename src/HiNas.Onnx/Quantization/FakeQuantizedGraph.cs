using Google.Protobuf;
using HiNas.Imaging.Tasks;
using HiNas.Onnx.Export;
using HiNas.Onnx.Proto;
using HiNas.Search.Runtime;
using HiNas.Search.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace HiNas.Onnx.Quantization;

/// <summary>
/// An exported float graph run by TorchSharp so that it can be trained for its int8 form: its convolutions' weights and
/// biases (BatchNorm already folded in) are the parameters, and every value <see cref="QuantizationPlan"/> quantizes is
/// rounded on the way as the int8 graph rounds it (<see cref="Int8Scales"/>; activations over fixed calibrated ranges,
/// weights per output channel). Rounding passes gradients straight through, none where a value's range clips it.
/// Runs the operators the exporter writes (<see cref="Operators"/>; DepthToSpace in CRD order, Pad at the edge). A
/// graph told the noise (a <see cref="NoiseLevelMap.InputName"/> input) is called as its network is trained: on the
/// image's planes followed by the noise-level plane (<see cref="NoiseLevelMap"/>).
/// </summary>
public sealed class FakeQuantizedGraph : nn.Module<Tensor, Tensor>
{
    private readonly ModelProto _model;
    private readonly QuantizationPlan _plan;
    private readonly Dictionary<string, (float Scale, byte ZeroPoint)> _activations;
    private readonly Dictionary<string, TorchSharp.Modules.Parameter> _constants = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long[]> _integerConstants = new(StringComparer.Ordinal);
    private readonly TorchSharp.Modules.ParameterList weights = new();
    // with learned ranges: each quantized activation's scale as log(scale / calibrated scale), its zero point kept
    private readonly TorchSharp.Modules.ParameterList rangeScales = new();
    private readonly Dictionary<string, TorchSharp.Modules.Parameter> _rangeScale = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _lastReader = new(StringComparer.Ordinal);
    private readonly int _inputMultiple;
    private readonly string _imageInput;
    private readonly string? _levelInput;

    /// <param name="learnRanges">the activations' ranges are parameters too (<see cref="RangeParameters"/>), all but the
    /// network input's: each scales about its zero point, starting from the calibrated range (<see cref="Ranges"/>
    /// gives them as trained)</param>
    public FakeQuantizedGraph(ModelProto floatModel, IReadOnlyDictionary<string, ValueRange> ranges, bool learnRanges = false) : base(nameof(FakeQuantizedGraph))
    {
        _model = floatModel.Clone();
        _plan = QuantizationPlan.Of(_model);
        _inputMultiple = OnnxExporter.InputMultiple(_model);
        _imageInput = _model.Graph.Input[0].Name;
        _levelInput = OnnxExporter.TakesNoiseLevel(_model) ? NoiseLevelMap.InputName : null;
        _activations = _plan.Activations.ToDictionary(v => v, v => ranges.TryGetValue(v, out var range)
            ? Int8Scales.Activation(range)
            : throw new ArgumentException($"no calibrated range for value '{v}'"), StringComparer.Ordinal);
        // the network's weights train (its float head's and tail's too); the residual's constants (the bicubic phase kernels) stay as they are
        var trained = new HashSet<string>(_plan.Nodes.Concat(_plan.FloatTail).Concat(_plan.FloatHead).SelectMany(i => _model.Graph.Node[i].Input), StringComparer.Ordinal);
        foreach (var tensor in _model.Graph.Initializer)
        {
            if (tensor.DataType == (int)TensorProto.Types.DataType.Int64) { _integerConstants[tensor.Name] = OnnxTensors.Int64s(tensor); continue; }
            var values = OnnxTensors.Floats(tensor);
            var parameter = new TorchSharp.Modules.Parameter(torch.tensor(values, tensor.Dims.ToArray()), requires_grad: trained.Contains(tensor.Name));
            _constants[tensor.Name] = parameter;
            weights.Add(parameter);
        }
        // the network input's range stays as calibrated: it is the image's (and the noise plane's), and learning it would
        // ask for the image's gradient, which oneDNN computes wrong for a one-channel image (ActivationLayouts)
        if (learnRanges)
            foreach (var name in _activations.Keys.Where(v => v != _plan.NetworkInput).Order(StringComparer.Ordinal))
            {
                var logScale = new TorchSharp.Modules.Parameter(torch.zeros(1), requires_grad: true);
                _rangeScale[name] = logScale;
                rangeScales.Add(logScale);
            }
        for (var index = 0; index < _model.Graph.Node.Count; index++)
            foreach (var read in _model.Graph.Node[index].Input) _lastReader[read] = index;
        _lastReader.Remove(_model.Graph.Output[0].Name);
        foreach (var node in _model.Graph.Node)
            if (!Operators.ContainsKey(node.OpType))
                throw new NotSupportedException($"operator {node.OpType} (node '{node.Name}') is not one the exporter writes");
        RegisterComponents();
    }

    /// <summary>
    /// The graph on <paramref name="input"/> (told the noise: followed by its level plane) as the engine runs it: sides
    /// padded to multiples of the graph's input multiple by repeating the last row and column, the output cropped back.
    /// </summary>
    public override Tensor forward(Tensor input)
    {
        if (_inputMultiple == 1 || input.shape[2] % _inputMultiple == 0 && input.shape[3] % _inputMultiple == 0) return Run(input);
        using var padded = PixelUnshuffling.PadToMultiple(input, _inputMultiple);
        using var output = Run(padded);
        var scale = (int)(output.shape[2] / padded.shape[2]);
        return PixelUnshuffling.CropTo(output, input, scale).alias();
    }

    /// <summary>An operator on a node's inputs (read by index), told whether the node is one the int8 graph quantizes.</summary>
    private delegate Tensor Operator(FakeQuantizedGraph graph, NodeProto node, Func<int, Tensor> read, bool quantized);

    /// <summary>The operators the exporter writes, as TorchSharp runs them.</summary>
    private static readonly Dictionary<string, Operator> Operators = new(StringComparer.Ordinal)
    {
        ["Conv"] = (g, node, read, quantized) => g.Conv(node, read(0), quantized),
        ["LeakyRelu"] = (_, node, read, _) => nn.functional.leaky_relu(read(0), FloatAttribute(node, "alpha")),
        ["Relu"] = (_, _, read, _) => nn.functional.relu(read(0)),
        ["Add"] = (_, _, read, _) => read(0) + read(1),
        ["Sub"] = (_, _, read, _) => read(0) - read(1),
        ["Mul"] = (_, _, read, _) => read(0) * read(1),
        ["Concat"] = (_, node, read, _) => torch.cat(Enumerable.Range(0, node.Input.Count).Select(read).ToArray(), 1),
        ["Slice"] = (g, node, read, _) => g.Slice(node, read(0)),
        ["DepthToSpace"] = (_, node, read, _) => nn.functional.pixel_shuffle(read(0), IntAttribute(node, "blocksize")),
        ["SpaceToDepth"] = (_, node, read, _) => PixelUnshuffling.SpaceToDepth(read(0), (int)IntAttribute(node, "blocksize")),
        ["Pad"] = (g, node, read, _) => g.Pad(node, read(0)),
        ["Reshape"] = (g, node, read, _) => g.Reshape(node, read(0)),
    };

    private Tensor Run(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        // the graph's inputs as they came: the image, and the level (one value) of a graph told the noise
        var inputs = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        if (_levelInput is null) inputs[_imageInput] = input;
        else
        {
            var channels = input.shape[1] - 1;
            inputs[_imageInput] = input.narrow(1, 0, channels);
            inputs[_levelInput] = input.narrow(1, channels, 1).narrow(2, 0, 1).narrow(3, 0, 1);
        }
        var values = inputs.ToDictionary(i => i.Key, i => _activations.ContainsKey(i.Key) ? Activation(i.Key, i.Value) : i.Value, StringComparer.Ordinal);
        for (var index = 0; index < _model.Graph.Node.Count; index++)
        {
            var node = _model.Graph.Node[index];
            var quantizedNode = _plan.Nodes.Contains(index);
            // float readers of an input (an upscaler's residual, the noise-level plane) read it as it came, a denoiser's
            // residual rounded as the network reads it
            Tensor Read(int i) => !quantizedNode && inputs.TryGetValue(node.Input[i], out var given)
                ? index == _plan.RoundedResidual ? Activation(_plan.NetworkInput, given) : given
                : _constants.TryGetValue(node.Input[i], out var constant) ? constant : values[node.Input[i]];
            using var nodeScope = torch.NewDisposeScope(); // the node's temporaries go when it is done
            var output = Operators[node.OpType](this, node, Read, quantizedNode);
            var name = node.Output[0];
            values[name] = (_activations.ContainsKey(name) ? Activation(name, output) : output).MoveToOuterDisposeScope();
            // a value goes as soon as its last reader has run (autograd keeps what it needs): a whole image's features
            // would not fit otherwise
            foreach (var read in node.Input)
                if (_lastReader.TryGetValue(read, out var last) && last == index && values.Remove(read, out var done)
                    && !(inputs.TryGetValue(read, out var given) && ReferenceEquals(done, given))) done.Dispose();
        }
        return values[_model.Graph.Output[0].Name].MoveToOuterDisposeScope();
    }

    /// <summary>ONNX Reshape (allowzero 0): a 0 keeps the input's dimension at its place, −1 takes what is left.</summary>
    private Tensor Reshape(NodeProto node, Tensor x)
    {
        var shape = _integerConstants[node.Input[1]];
        return x.reshape(shape.Select((d, i) => d == 0 ? x.shape[i] : d).ToArray());
    }

    /// <summary>The parameters the tuning trains in the network: its convolutions' weights and biases (not the residual's constants).</summary>
    public IEnumerable<TorchSharp.Modules.Parameter> WeightParameters() => weights.Where(p => p.requires_grad);

    /// <summary>The learned ranges' parameters (none unless the graph was made to learn them).</summary>
    public IEnumerable<TorchSharp.Modules.Parameter> RangeParameters() => rangeScales;

    /// <summary>
    /// Each quantized activation's range as the graph rounds it now (the calibrated ones, or as learned): [−z·s,
    /// (255 − z)·s], which <see cref="Int8Scales.Activation"/> turns back into the scale s and zero point z.
    /// </summary>
    public IReadOnlyDictionary<string, ValueRange> Ranges()
    {
        using var scope = torch.NewDisposeScope(); // the detached copies go here, not to the finalizer (OnnxExporter.EmitScope)
        return _activations.ToDictionary(a => a.Key, a =>
        {
            var (scale, zeroPoint) = a.Value;
            var learned = _rangeScale.TryGetValue(a.Key, out var logScale) ? (float)(scale * Math.Exp(logScale.detach().item<float>())) : scale;
            return new ValueRange(-zeroPoint * learned, (255 - zeroPoint) * learned);
        }, StringComparer.Ordinal);
    }

    /// <summary>The float graph with the trained weights (the same nodes and names; ready for calibration and <see cref="QdqQuantizer"/>).</summary>
    public ModelProto ToModelProto()
    {
        using var scope = torch.NewDisposeScope(); // as in Ranges
        var model = _model.Clone();
        foreach (var tensor in model.Graph.Initializer)
        {
            if (!_constants.TryGetValue(tensor.Name, out var parameter)) continue;
            using var values = parameter.detach().cpu().contiguous();
            OnnxTensors.SetFloats(tensor, values.data<float>().ToArray());
        }
        return model;
    }

    /// <summary>
    /// x rounded as the int8 graph rounds it (libtorch's quantize and dequantize: round half to even, clamp to uint8),
    /// with the gradient passed straight through where x is inside the value's range and zero where the range clips
    /// it (there the rounding error exceeds half a step): where(inside, x, x without gradient) + (rounded − x), the
    /// difference outside the graph. Without the clip mask the tuning pushes clipped values further out for nothing.
    /// libtorch's fused fake quantization is not in TorchSharp 0.107.
    /// </summary>
    private Tensor Activation(string name, Tensor x)
    {
        var (scale, zeroPoint) = _activations[name];
        if (_rangeScale.TryGetValue(name, out var logScale)) return LearnedActivation(x, scale, zeroPoint, logScale);
        using var rounding = Rounding(x, q => torch.quantize_per_tensor(q, scale, (long)zeroPoint, ScalarType.QUInt8));
        using var error = rounding.abs();
        using var clipped = error.gt(scale * 0.5 * (1 + 1e-4));
        using var detached = x.detach();
        using var passed = torch.where(clipped, detached, x);
        return passed + rounding;
    }

    /// <summary>
    /// x rounded over a learned range (learned step size quantization): with s the scale, the level q = clamp(x / s +
    /// z, 0, 255) is rounded with its gradient passed straight through, and (round(q) − z)·s returned. Inside the range
    /// the gradient reaches x whole and s as round(x / s) − x / s; where the range clips x, none reaches x, and s gets
    /// the clipped level's −z or 255 − z — the trade between rounding and clipping the loss, not the values' squared
    /// error, decides. The scale is learned as its logarithm, so that one learning rate suits scales of any size.
    /// </summary>
    private static Tensor LearnedActivation(Tensor x, float scale, byte zeroPoint, Tensor logScale)
    {
        using var scope = torch.NewDisposeScope();
        var s = logScale.exp() * scale;
        var level = (x / s + zeroPoint).clamp(0, 255);
        Tensor rounding;
        using (torch.no_grad()) rounding = level.detach().round() - level.detach();
        return ((level + rounding - zeroPoint) * s).MoveToOuterDisposeScope();
    }

    /// <summary>round(x) − x, computed without a gradient.</summary>
    private static Tensor Rounding(Tensor x, Func<Tensor, Tensor> quantize)
    {
        using var noGrad = torch.no_grad();
        using var detached = x.detach();
        using var quantized = quantize(detached);
        return torch.dequantize(quantized).sub_(detached);
    }

    private Tensor Conv(NodeProto node, Tensor x, bool quantized)
    {
        var weight = _constants[node.Input[1]];
        var w = quantized ? QuantizedWeight(weight) : (Tensor)weight;
        var bias = node.Input.Count > 2 && node.Input[2].Length > 0 ? _constants[node.Input[2]] : null;
        var pads = IntsAttribute(node, "pads") ?? new long[] { 0, 0, 0, 0 };
        var groups = IntAttribute(node, "group", 1);
        if (pads[0] != pads[2] || pads[1] != pads[3]) throw new NotSupportedException($"Conv '{node.Name}' pads its sides unequally");
        return nn.functional.conv2d(ActivationLayouts.ForConvolution(x, groups, TorchRuntime.Layout), w, bias,
            strides: IntsAttribute(node, "strides") ?? new long[] { 1, 1 }, padding: new[] { pads[0], pads[1] },
            dilation: IntsAttribute(node, "dilations") ?? new long[] { 1, 1 }, groups: groups);
    }

    private static Tensor QuantizedWeight(Tensor weight)
    {
        using var scope = torch.NewDisposeScope();
        Tensor scales, zeroPoints;
        using (torch.no_grad())
        {
            var perChannel = weight.detach().abs().amax(new long[] { 1, 2, 3 });
            scales = torch.where(perChannel > 0, perChannel / Int8Scales.WeightLevels, torch.ones_like(perChannel)).to(ScalarType.Float64);
            zeroPoints = torch.zeros(scales.shape, dtype: ScalarType.Int64);
        }
        return (weight + Rounding(weight, w => torch.quantize_per_channel(w, scales, zeroPoints, 0, ScalarType.QInt8))).MoveToOuterDisposeScope();
    }

    /// <summary>ONNX Slice with constant starts, ends and axes (steps of 1).</summary>
    private Tensor Slice(NodeProto node, Tensor x)
    {
        long[] Ints(int i) => _integerConstants.TryGetValue(node.Input[i], out var values) ? values
            : throw new NotSupportedException($"Slice '{node.Name}' reads '{node.Input[i]}', not an int64 constant");
        var (starts, ends) = (Ints(1), Ints(2));
        var axes = node.Input.Count > 3 && node.Input[3].Length > 0 ? Ints(3) : Enumerable.Range(0, starts.Length).Select(a => (long)a).ToArray();
        if (node.Input.Count > 4 && node.Input[4].Length > 0 && Ints(4).Any(step => step != 1)) throw new NotSupportedException($"Slice '{node.Name}' steps by other than 1");
        var sliced = x.alias();
        for (var i = 0; i < axes.Length; i++)
        {
            var axis = axes[i] < 0 ? axes[i] + x.dim() : axes[i];
            var size = x.shape[axis];
            long Clamp(long at) => Math.Clamp(at < 0 ? at + size : at, 0, size);
            var (start, end) = (Clamp(starts[i]), Clamp(ends[i]));
            using var before = sliced;
            sliced = before.narrow(axis, start, Math.Max(0, end - start));
        }
        return sliced;
    }

    private Tensor Pad(NodeProto node, Tensor x)
    {
        var mode = StringAttribute(node, "mode") ?? "constant";
        if (mode != "edge") throw new NotSupportedException($"Pad '{node.Name}' in mode {mode}");
        var pads = _integerConstants[node.Input[1]]; // [n, c, top, left, n, c, bottom, right]
        return nn.functional.pad(x, new[] { pads[3], pads[7], pads[2], pads[6] }, PaddingModes.Replicate);
    }

    private static AttributeProto? Attribute(NodeProto node, string name) => node.Attribute.FirstOrDefault(a => a.Name == name);
    private static float FloatAttribute(NodeProto node, string name) => Attribute(node, name)?.F ?? throw new ArgumentException($"{node.OpType} '{node.Name}' has no {name}");
    private static long IntAttribute(NodeProto node, string name, long fallback = 0) => Attribute(node, name)?.I ?? fallback;
    private static long[]? IntsAttribute(NodeProto node, string name) => Attribute(node, name)?.Ints.ToArray();
    private static string? StringAttribute(NodeProto node, string name) => Attribute(node, name)?.S.ToStringUtf8();
}
