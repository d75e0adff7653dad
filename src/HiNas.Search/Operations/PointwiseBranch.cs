using HiNas.Search.Export;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace HiNas.Search.Operations;

/// <summary>
/// The training-time branch of a fused k×k convolution (<see cref="ConvBn"/>): 1×1 conv → BatchNorm, added to the
/// k×k convolution's BatchNorm'd output. Its BatchNorm is affine with γ started at 0, so the operation starts as its
/// convolution alone (the identity, for one onto as many channels). It is linear like the convolution, so the export
/// adds it into the k×k kernel's centre tap (<see cref="FoldedConv.WithCentre"/>): the served network has the same one
/// convolution, parameters and time as without it, only trained through two paths — structural
/// re-parameterisation (RepVGG, Ding et al. 2021; ECBSR, Zhang et al. 2021). Measured (σ 25 RGB, 4,000 iterations,
/// bench/search-recipe's schedule, seed 1): FFDNet 7 × 48's stack written in the fused space went from 32.62 to 32.89 dB
/// of validation PSNR, 29.12 to 29.24 on the evaluation photographs; a scaled identity as a third branch added nothing
/// (32.84). <see cref="Networks.NetworkCost"/> counts the served network, without the branch.
/// </summary>
public sealed class PointwiseBranch : Module<Tensor, Tensor>
{
    private readonly TorchSharp.Modules.Conv2d conv;
    private readonly ScalarFreeBatchNorm2d bn;

    public PointwiseBranch(long inChannels, long outChannels) : base(nameof(PointwiseBranch))
    {
        conv = Conv2d(inChannels, outChannels, 1, bias: false);
        bn = new ScalarFreeBatchNorm2d(outChannels, affine: true);
        using (no_grad()) bn.Weight!.zero_();
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var convolved = conv.call(x);
        return bn.call(convolved);
    }

    /// <summary>The branch as one 1×1 convolution, its BatchNorm folded in.</summary>
    public FoldedConv Folded() => FoldedConv.From(conv, bn);
}
