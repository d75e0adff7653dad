using HiNas.Imaging.Tasks;
using HiNas.Search.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace HiNas.Search.Losses;

/// <summary>
/// The training loss: a pixel loss (MSE or L1) plus λ·(−log10 SSIM). Defaults follow the paper's code:
/// denoising MSE + 0.5·(−log10 SSIM), super-resolution L1 + 0.6·(−log10 SSIM).
/// </summary>
public sealed record RestorationLoss(PixelLoss Pixel, double SsimWeight)
{
    private static readonly Scalar MinSsim = TensorMath.Constant(1e-6);
    private readonly Scalar _ssimWeight = TensorMath.Constant(SsimWeight);

    public static RestorationLoss For(RestorationTask task) =>
        task.Kind == RestorationKind.Denoise ? new RestorationLoss(PixelLoss.Mse, 0.5) : new RestorationLoss(PixelLoss.L1, 0.6);

    public Tensor Compute(Tensor output, Tensor target)
    {
        var pixel = Pixel == PixelLoss.Mse ? nn.functional.mse_loss(output, target) : nn.functional.l1_loss(output, target);
        if (SsimWeight == 0) return pixel;
        var ssim = DifferentiableSsim.Compute(output, target).clamp_min(MinSsim);
        return TensorMath.Sub(pixel, torch.log10(ssim).mul(_ssimWeight));
    }
}

public enum PixelLoss
{
    Mse,
    L1,
}
