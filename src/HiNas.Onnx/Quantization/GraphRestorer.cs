using HiNas.Imaging.Evaluation;
using HiNas.Imaging.Pixels;
using HiNas.Imaging.Tasks;
using HiNas.Inference.Engine;
using HiNas.Onnx.Export;
using Microsoft.ML.OnnxRuntime;
using OrtTensors = Microsoft.ML.OnnxRuntime.Tensors;

namespace HiNas.Onnx.Quantization;

/// <summary>An exported graph, not yet packaged, run whole by ONNX Runtime as an <see cref="IImageRestorer"/> (judging an int8 graph against its float one).</summary>
public sealed class GraphRestorer : IImageRestorer, IDisposable
{
    private readonly InferenceSession _session;

    public GraphRestorer(byte[] onnx, RestorationTask task)
    {
        Task = task;
        var options = new SessionOptions { IntraOpNumThreads = OrtThreads.Resolve(0) };
        try { _session = new InferenceSession(onnx, options); }
        finally { options.Dispose(); }
    }

    public RestorationTask Task { get; }

    public PlanarImage Restore(PlanarImage input)
    {
        var tensor = new OrtTensors.DenseTensor<float>(input.Data.ToArray(), new[] { 1, input.Channels, input.Height, input.Width });
        using var results = _session.Run(new[] { NamedOnnxValue.CreateFromTensor(OnnxExporter.InputName, tensor) });
        var output = results.Single().AsTensor<float>();
        var dims = output.Dimensions;
        return new PlanarImage(dims[1], dims[2], dims[3], output.ToArray());
    }

    public void Dispose() => _session.Dispose();
}
