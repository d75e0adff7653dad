using HiNas.Search.Supernets;
using static TorchSharp.torch;

namespace HiNas.Search.Networks;

/// <summary>
/// A training from scratch starts its network as the identity restoration: the layer that writes the prediction
/// (<see cref="IRestorationNetwork.PredictionLayer"/>) starts at zero, so the network first returns its input
/// (denoising) or the bicubic upsampling (super-resolution), and learns the residual from there. With libtorch's
/// default initialisation instead, the prediction starts several times larger than the residual it should learn (std
/// ≈ 0.5 against σ 25's 0.1); Adam's first steps spend themselves on shrinking it, and networks whose convolutions run
/// at a quarter of the pixels (the frame-time space, FFDNet) then sit at the identity for thousands of iterations:
/// measured on the photo training data, σ 25 RGB, 800 iterations, the frame-time 0.5× front net 28.99 dB against 20.98,
/// DnCNN 8 × 26 31.24 against 29.85 (docs/cli.md; the 4,000-iteration front before and after: bench/latency README).
/// A search's supernet starts the same way: every head's prediction layer at zero (<see cref="Supernet.PredictionLayers"/>).
/// </summary>
public static class IdentityStart
{
    public static void Apply(IRestorationNetwork network) => Apply([network.PredictionLayer]);

    public static void Apply(IEnumerable<TorchSharp.Modules.Conv2d> predictionLayers)
    {
        using var noGrad = no_grad();
        foreach (var layer in predictionLayers)
        {
            layer.weight!.zero_();
            layer.bias?.zero_();
        }
    }
}
