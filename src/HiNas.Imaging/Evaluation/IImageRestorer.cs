using HiNas.Imaging.Pixels;
using HiNas.Imaging.Tasks;

namespace HiNas.Imaging.Evaluation;

/// <summary>Anything that restores one degraded image (a trained TorchSharp network, an ONNX model).</summary>
public interface IImageRestorer
{
    /// <summary>The task the restorer was built for (its channels and, for SR, its scale).</summary>
    RestorationTask Task { get; }

    /// <summary>Restores <paramref name="input"/> (the task's channels, [0, 1]); SR outputs are scale× larger.</summary>
    PlanarImage Restore(PlanarImage input);
}
