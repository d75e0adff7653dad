using HiNas.Imaging.Tasks;
using HiNas.Search.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using HiNas.Search.Export;

namespace HiNas.Search.Networks;

/// <summary>
/// How a network's prediction becomes the restored image: denoising subtracts the predicted noise from the
/// input; super-resolution adds the predicted residual to the bicubically upsampled input (PyTorch bicubic,
/// a = −0.75, half-pixel centres, no antialiasing; in an ONNX graph, a phase convolution computing the same).
/// </summary>
public static class TaskResidual
{
    /// <param name="input">the network's input: the image, followed by the noise-level plane for a denoiser told the noise (<see cref="NoiseLevelMap"/>)</param>
    public static Tensor Apply(RestorationTask task, Tensor input, Tensor prediction)
    {
        if (task.Kind != RestorationKind.Denoise) return TensorMath.Add(Upsample(input, task.Scale), prediction);
        return input.shape[1] == task.Channels ? TensorMath.Sub(input, prediction) : TensorMath.Sub(input.narrow(1, 0, task.Channels), prediction);
    }

    /// <summary>The same in an inference graph.</summary>
    public static string Emit(IGraphEmitter g, RestorationTask task, string input, string prediction) =>
        task.Kind == RestorationKind.Denoise ? g.Sub(input, prediction) : g.Add(g.BicubicUpsample(input, task.Channels, task.Scale), prediction);

    public static Tensor Upsample(Tensor input, int scale) =>
        nn.functional.interpolate(input, scale_factor: new double[] { scale, scale }, mode: InterpolationMode.Bicubic, align_corners: false);
}
