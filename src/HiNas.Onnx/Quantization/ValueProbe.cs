using Google.Protobuf;
using HiNas.Onnx.Proto;
using Microsoft.ML.OnnxRuntime;
using OrtTensors = Microsoft.ML.OnnxRuntime.Tensors;

namespace HiNas.Onnx.Quantization;

/// <summary>
/// A float graph run by ONNX Runtime with some of its values made graph outputs, for the statistics int8 is calibrated
/// on (<see cref="ActivationRanges"/>, <see cref="OutlierChannels"/>): no graph optimisation, so every value is computed
/// as the graph names it.
/// </summary>
internal sealed class ValueProbe : IDisposable
{
    private readonly InferenceSession _session;

    public ValueProbe(ModelProto model, IEnumerable<string> values)
    {
        var probe = model.Clone();
        var exposed = new HashSet<string>(probe.Graph.Output.Select(o => o.Name), StringComparer.Ordinal);
        foreach (var value in values)
            if (exposed.Add(value))
                probe.Graph.Output.Add(new ValueInfoProto
                {
                    Name = value,
                    Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
                });
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        _session = new InferenceSession(probe.ToByteArray(), options);
    }

    /// <summary>Runs every feed; <paramref name="observe"/> sees the feed's own tensors, then every output (name, values, NCHW shape).</summary>
    public void Visit(IReadOnlyList<IReadOnlyDictionary<string, OrtTensors.DenseTensor<float>>> feeds, Action<string, ReadOnlySpan<float>, ReadOnlySpan<int>> observe)
    {
        foreach (var feed in feeds)
        {
            foreach (var (name, tensor) in feed) observe(name, tensor.Buffer.Span, tensor.Dimensions);
            using var results = _session.Run(feed.Select(f => NamedOnnxValue.CreateFromTensor(f.Key, f.Value)).ToArray());
            foreach (var result in results)
            {
                var tensor = result.AsTensor<float>();
                observe(result.Name, tensor is OrtTensors.DenseTensor<float> dense ? dense.Buffer.Span : tensor.ToArray(), tensor.Dimensions);
            }
        }
    }

    public void Dispose() => _session.Dispose();
}
