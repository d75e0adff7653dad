using HiNas.Imaging.Tasks;
using HiNas.Nas.Settings;
using HiNas.Search.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace HiNas.Search.Losses;

/// <summary>
/// The training loss: a pixel loss (<see cref="PixelLosses"/>: MSE, L1 or per-sample log-MSE) plus λ·(−log10 SSIM).
/// Defaults follow the paper's code: denoising MSE + 0.5·(−log10 SSIM), super-resolution L1 + 0.6·(−log10 SSIM).
/// </summary>
public sealed record RestorationLoss(PixelLoss Pixel, double SsimWeight)
{
    private static readonly Scalar MinSsim = TensorMath.Constant(1e-6);

    /// <summary>log-mse's floor: a sample restored better than 45 dB counts as 45 dB (a clean sample is not worth more).</summary>
    private static readonly Scalar LogMseFloor = TensorMath.Constant(Math.Pow(10, -4.5));
    private readonly Scalar _ssimWeight = TensorMath.Constant(SsimWeight);

    public static RestorationLoss For(RestorationTask task, string? pixelLoss = null)
    {
        var paper = task.Kind == RestorationKind.Denoise ? new RestorationLoss(PixelLoss.Mse, 0.5) : new RestorationLoss(PixelLoss.L1, 0.6);
        return pixelLoss is null ? paper : paper with { Pixel = PixelLosses.Parse(pixelLoss) };
    }

    /// <summary>The loss a training's options ask for.</summary>
    public static RestorationLoss For(TrainOptions options) => For(options.Task, options.PixelLoss);

    public Tensor Compute(Tensor output, Tensor target)
    {
        var pixel = Pixel switch
        {
            PixelLoss.Mse => nn.functional.mse_loss(output, target),
            PixelLoss.L1 => nn.functional.l1_loss(output, target),
            _ => LogMse(output, target),
        };
        if (SsimWeight == 0) return pixel;
        var ssim = DifferentiableSsim.Compute(output, target).clamp_min(MinSsim);
        return TensorMath.Sub(pixel, torch.log10(ssim).mul(_ssimWeight));
    }

    /// <summary>The batch's mean of log10(each sample's MSE, floored): <see cref="PixelLosses.LogMse"/>.</summary>
    private static Tensor LogMse(Tensor output, Tensor target)
    {
        using var difference = output - target;
        using var squared = difference.square();
        using var perSample = squared.mean(new long[] { 1, 2, 3 });
        using var floored = perSample.clamp_min(LogMseFloor);
        using var logs = torch.log10(floored);
        return logs.mean();
    }
}
