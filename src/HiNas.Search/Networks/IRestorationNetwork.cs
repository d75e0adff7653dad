using HiNas.Imaging.Tasks;
using HiNas.Search.Export;

namespace HiNas.Search.Networks;

/// <summary>A trainable restoration network: NCHW [0,1] in, the restored image out (the task's residual applied).</summary>
public interface IRestorationNetwork
{
    RestorationTask Task { get; }

    /// <summary>A short description for logs and manifests ("HiNAS L3 B3 …", "DnCNN depth 8 width 32").</summary>
    string Describe();

    /// <summary>
    /// r: the network's convolutions run at 1/r of each side of its input (a frame-time network's pixel-unshuffle; 1
    /// otherwise), so its exported graph takes heights and widths that are multiples of r (a model package's input
    /// multiple). The TorchSharp network itself takes any size.
    /// </summary>
    int PixelUnshuffle => 1;

    /// <summary>
    /// A denoiser told the noise (<see cref="NoiseLevelMap"/>): its input has one more plane than the task's channels,
    /// σ/255, and its exported graph a second input of that name. False for a blind or a fixed-σ network.
    /// </summary>
    bool NoiseMap => false;

    /// <summary>The convolution that writes the prediction the task's residual is applied to (a training from scratch starts it at zero: <see cref="IdentityStart"/>).</summary>
    TorchSharp.Modules.Conv2d PredictionLayer { get; }

    /// <summary>The inference graph of the prediction the task's residual is applied to (<see cref="TaskResidual.Emit"/>), before its last pixel shuffle.</summary>
    Prediction EmitPrediction(IGraphEmitter g, string input);
}
