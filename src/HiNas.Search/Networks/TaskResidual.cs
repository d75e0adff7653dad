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

    /// <summary>
    /// The same in an inference graph. Super-resolution adds the bicubic image in the prediction's depth domain and
    /// shuffles the sum once (<see cref="Prediction"/>); denoising subtracts the shuffled prediction from the input.
    /// </summary>
    public static string Emit(IGraphEmitter g, RestorationTask task, string input, Prediction prediction)
    {
        if (task.Kind == RestorationKind.Denoise) return g.Sub(input, prediction.Shuffled(g));
        if (prediction.Shuffle % task.Scale != 0)
            throw new ArgumentException($"a ×{task.Scale} prediction shuffled by {prediction.Shuffle} is not in a depth domain of the input", nameof(prediction));
        var blocks = prediction.Shuffle / task.Scale;
        return g.PixelShuffle(g.Add(prediction.Value, g.BicubicPhases(input, task.Channels, task.Scale, blocks)), prediction.Shuffle);
    }

    public static Tensor Upsample(Tensor input, int scale) =>
        nn.functional.interpolate(input, scale_factor: new double[] { scale, scale }, mode: InterpolationMode.Bicubic, align_corners: false);
}
