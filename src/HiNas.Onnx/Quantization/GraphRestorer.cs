using HiNas.Imaging.Evaluation;
using HiNas.Imaging.Pixels;
using HiNas.Imaging.Tasks;
using HiNas.Inference.Engine;
using HiNas.Onnx.Export;
using Microsoft.ML.OnnxRuntime;
using OrtTensors = Microsoft.ML.OnnxRuntime.Tensors;

namespace HiNas.Onnx.Quantization;

/// <summary>
/// An exported graph, not yet packaged, run whole by ONNX Runtime as an <see cref="IImageRestorer"/> (parity at export,
/// judging an int8 graph against its float one). A graph that takes the noise level is told the task's σ.
/// </summary>
public sealed class GraphRestorer : IImageRestorer, IDisposable
{
    private readonly InferenceSession _session;

    private readonly int _inputMultiple;
    private readonly float? _noiseLevel;

    /// <param name="inputMultiple">the graph's input sides must be multiples of it (<see cref="EdgePadded"/> pads others)</param>
    public GraphRestorer(byte[] onnx, RestorationTask task, int inputMultiple = 1)
    {
        Task = task;
        _inputMultiple = inputMultiple;
        // opened as every session is (GraphOptimizer: int8 weights multiplied exactly on this CPU), ONNX Runtime's default level
        (_session, _) = GraphOptimizer.Open(ModelSource.Memory(onnx), GraphOptimization.All, options => options.IntraOpNumThreads = OrtThreads.Resolve(0));
        if (_session.InputNames.Contains(NoiseLevelMap.InputName)) _noiseLevel = NoiseLevelMap.Level(task.Sigma);
    }

    public RestorationTask Task { get; }

    public PlanarImage Restore(PlanarImage input, double? sigma = null)
    {
        var level = _noiseLevel is null ? null : sigma is { } s ? NoiseLevelMap.Level(s) : _noiseLevel;
        var output = EdgePadded.Run(input.Data.ToArray(), input.Channels, input.Height, input.Width, _inputMultiple, Task.Scale, (planes, h, w) =>
        {
            var tensor = new OrtTensors.DenseTensor<float>(planes, new[] { 1, input.Channels, h, w });
            var feeds = new List<NamedOnnxValue> { NamedOnnxValue.CreateFromTensor(OnnxExporter.InputName, tensor) };
            if (level is { } l) feeds.Add(NoiseLevelFeed.Named(NoiseLevelMap.InputName, l));
            using var results = _session.Run(feeds);
            return results.Single().AsTensor<float>().ToArray();
        });
        return new PlanarImage(input.Channels, input.Height * Task.Scale, input.Width * Task.Scale, output);
    }

    public void Dispose() => _session.Dispose();
}
