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

    private readonly int _inputMultiple;

    /// <param name="inputMultiple">the graph's input sides must be multiples of it (<see cref="EdgePadded"/> pads others)</param>
    public GraphRestorer(byte[] onnx, RestorationTask task, int inputMultiple = 1)
    {
        Task = task;
        _inputMultiple = inputMultiple;
        var options = new SessionOptions { IntraOpNumThreads = OrtThreads.Resolve(0) };
        try { _session = new InferenceSession(onnx, options); }
        finally { options.Dispose(); }
    }

    public RestorationTask Task { get; }

    public PlanarImage Restore(PlanarImage input)
    {
        var output = EdgePadded.Run(input.Data.ToArray(), input.Channels, input.Height, input.Width, _inputMultiple, Task.Scale, (planes, h, w) =>
        {
            var tensor = new OrtTensors.DenseTensor<float>(planes, new[] { 1, input.Channels, h, w });
            using var results = _session.Run(new[] { NamedOnnxValue.CreateFromTensor(OnnxExporter.InputName, tensor) });
            return results.Single().AsTensor<float>().ToArray();
        });
        return new PlanarImage(input.Channels, input.Height * Task.Scale, input.Width * Task.Scale, output);
    }

    public void Dispose() => _session.Dispose();
}
