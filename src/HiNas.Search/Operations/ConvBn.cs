using HiNas.Search.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using HiNas.Search.Export;

namespace HiNas.Search.Operations;

/// <summary>
/// k×k convolution (optionally dilated) → BatchNorm, without an activation: the convolution of fused cells
/// (<see cref="HiNas.Nas.Space.CellForm.Fused"/>) and their projections. Exported as one convolution with the
/// BatchNorm folded in. A convolution onto as many channels starts as the identity (a Dirac kernel), as DnCNN's
/// middle ones do (<see cref="Baselines.DnCnn"/>): from libtorch's random start a stack of fused cells scrambles its
/// input as a plain BatchNorm'd stack does — measured on the photo training data, σ 25 RGB, batch 8, crop 48, 300
/// iterations, the six-layer fused network drawn:30 of bench/search-recipe's runs-fused reached 21.2 dB of validation
/// PSNR from the random start and 27.2 from the identity (27.5 with its separable convolutions started so too).
/// A k×k convolution (k &gt; 1) trains with a 1×1 branch beside it (<see cref="PointwiseBranch"/>), folded into its
/// kernel at export. With an expansion (<see cref="CollapsibleConv"/>) the k×k convolution itself trains as a collapsible
/// pair, multiplied out at export.
/// </summary>
public sealed class ConvBn : Module<Tensor, Tensor>, IExportable
{
    private readonly TorchSharp.Modules.Conv2d? conv;
    private readonly CollapsibleConv? expanded;
    private readonly ScalarFreeBatchNorm2d bn;
    private readonly PointwiseBranch? pointwise;

    /// <param name="expansion">k×k convolutions (k &gt; 1) train as a collapsible pair this many times as wide (<see cref="CollapsibleConv"/>); 1: as served</param>
    public ConvBn(long inChannels, long outChannels, long kernel, bool affine, long dilation = 1, int expansion = 1) : base(nameof(ConvBn))
    {
        if (kernel > 1 && expansion > 1) expanded = new CollapsibleConv(inChannels, outChannels, kernel, dilation, expansion);
        else
        {
            conv = Conv2d(inChannels, outChannels, kernel, padding: dilation * (kernel - 1) / 2, dilation: dilation, bias: false);
            if (inChannels == outChannels)
            {
                using var noGrad = no_grad();
                nn.init.dirac_(conv.weight!);
            }
        }
        bn = new ScalarFreeBatchNorm2d(outChannels, affine);
        if (kernel > 1) pointwise = new PointwiseBranch(inChannels, outChannels);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var convolved = expanded is null ? conv!.call(x) : expanded.call(x);
        if (pointwise is null) return bn.call(convolved);
        using var normalised = bn.call(convolved);
        using var branch = pointwise.call(x);
        return TensorMath.Add(normalised, branch);
    }

    public string Emit(IGraphEmitter g, string x)
    {
        var folded = expanded?.Served(bn) ?? FoldedConv.From(conv!, bn);
        return g.Conv(x, pointwise is null ? folded : folded.WithCentre(pointwise.Folded()));
    }
}
