using HiNas.Imaging.Pixels;
using HiNas.Imaging.Tasks;

namespace HiNas.Imaging.Evaluation;

/// <summary>Anything that restores one degraded image (a trained TorchSharp network, an ONNX model).</summary>
public interface IImageRestorer
{
    /// <summary>The task the restorer was built for (its channels and, for SR, its scale).</summary>
    RestorationTask Task { get; }

    /// <summary>
    /// Restores <paramref name="input"/> (the task's channels, [0, 1]); SR outputs are scale× larger.
    /// <paramref name="sigma"/>: the noise σ the input carries (null: not known), which a denoiser told the noise
    /// (<see cref="Tasks.NoiseLevelMap"/>) is given — when not known, its own σ; every other restorer ignores it.
    /// </summary>
    PlanarImage Restore(PlanarImage input, double? sigma = null);
}
