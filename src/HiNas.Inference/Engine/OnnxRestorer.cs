using HiNas.Imaging.Evaluation;
using HiNas.Imaging.Pixels;
using HiNas.Imaging.Tasks;

namespace HiNas.Inference.Engine;

/// <summary>An ONNX model package as an <see cref="IImageRestorer"/> (evaluation, `hinas restore`).</summary>
public sealed class OnnxRestorer(RestorationModel model) : IImageRestorer
{
    public RestorationTask Task { get; } = model.Manifest.ToTask();

    public PlanarImage Restore(PlanarImage input, double? sigma = null) =>
        InferenceEngine.Restore(model, input, model.Manifest.NoiseLevelInput is null ? null : sigma);
}
