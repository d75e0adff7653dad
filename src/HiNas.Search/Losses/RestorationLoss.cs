using HiNas.Imaging.Tasks;
using TorchSharp;
using static TorchSharp.torch;

namespace HiNas.Search.Losses;

/// <summary>
/// The training loss: a pixel loss (MSE or L1) plus λ·(−log10 SSIM). Defaults follow the paper's code:
/// denoising MSE + 0.5·(−log10 SSIM), super-resolution L1 + 0.6·(−log10 SSIM).
/// </summary>
public sealed record RestorationLoss(PixelLoss Pixel, double SsimWeight)
{
    public static RestorationLoss For(RestorationTask task) =>
        task.Kind == RestorationKind.Denoise ? new RestorationLoss(PixelLoss.Mse, 0.5) : new RestorationLoss(PixelLoss.L1, 0.6);

    public Tensor Compute(Tensor output, Tensor target)
    {
        var pixel = Pixel == PixelLoss.Mse ? nn.functional.mse_loss(output, target) : nn.functional.l1_loss(output, target);
        if (SsimWeight == 0) return pixel;
        var ssim = DifferentiableSsim.Compute(output, target).clamp_min(1e-6);
        return pixel - SsimWeight * torch.log10(ssim);
    }
}

public enum PixelLoss
{
    Mse,
    L1,
}
