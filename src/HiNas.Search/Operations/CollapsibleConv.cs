using HiNas.Search.Export;
using HiNas.Search.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace HiNas.Search.Operations;

/// <summary>
/// A k×k convolution trained over-parameterised (<see cref="HiNas.Nas.Settings.ArchitectureSpec.ConvExpansion"/>): k×k
/// onto E times its output channels, then 1×1 back, both linear and without bias, so the pair is one k×k convolution —
/// the one <see cref="Served"/> multiplies out and the export serves. It starts as that convolution's own start
/// (<see cref="ConvBn"/>: the identity onto as many channels): the first output channels of the k×k part take it, the
/// rest libtorch's random start, and the 1×1 part starts by passing the first channels through and none of the rest.
/// Measured (σ 25 RGB, 4,000 iterations, the front's recipe): bench/latency README.
/// </summary>
public sealed class CollapsibleConv : Module<Tensor, Tensor>
{
    private readonly TorchSharp.Modules.Conv2d expand;
    private readonly TorchSharp.Modules.Conv2d collapse;

    public CollapsibleConv(long inChannels, long outChannels, long kernel, long dilation, int expansion) : base(nameof(CollapsibleConv))
    {
        if (expansion < 2) throw new ArgumentOutOfRangeException(nameof(expansion), expansion, "an expansion is at least 2 (1 is the convolution itself)");
        expand = Conv2d(inChannels, expansion * outChannels, kernel, padding: dilation * (kernel - 1) / 2, dilation: dilation, bias: false);
        collapse = Conv2d(expansion * outChannels, outChannels, 1, bias: false);
        using var noGrad = no_grad();
        if (inChannels == outChannels)
        {
            using var first = expand.weight!.narrow(0, 0, outChannels);
            nn.init.dirac_(first);
        }
        collapse.weight!.zero_();
        using var passed = collapse.weight!.narrow(1, 0, outChannels);
        using var eye = torch.eye(outChannels);
        using var pointwise = eye.view(outChannels, outChannels, 1, 1);
        passed.copy_(pointwise);
        RegisterComponents();
    }

    /// <summary>How many weights the served convolution has: out · in · k · k (its shape [out, in, k, k]).</summary>
    public long ServedWeights => collapse.weight!.shape[0] * expand.weight!.shape[1] * expand.weight!.shape[2] * expand.weight!.shape[3];

    /// <summary>
    /// Training: the pair, k×k onto E·C then 1×1 back. Evaluation (validation, `hinas eval`): the one convolution the
    /// pair computes, as it is served (its weight multiplied out at each call).
    /// </summary>
    public override Tensor forward(Tensor x)
    {
        if (!training)
        {
            using var product = Product();
            // a functional convolution puts its input in the process's layout itself (the pair's modules get it attached)
            var input = ActivationLayouts.ForDenseConvolution(x, TorchRuntime.Layout);
            try { return nn.functional.conv2d(input, product, padding: expand.padding, dilation: expand.dilation); }
            finally { if (!ReferenceEquals(input, x)) input.Dispose(); }
        }
        using var wide = expand.call(x);
        return collapse.call(wide);
    }

    /// <summary>The one k×k convolution the pair computes (its weight the product of the two), with <paramref name="norm"/> folded in.</summary>
    public FoldedConv Served(ScalarFreeBatchNorm2d? norm = null)
    {
        using var noGrad = no_grad();
        using var product = Product();
        return FoldedConv.From(product, null, 1, expand.padding!, expand.dilation!, norm);
    }

    /// <summary>The served convolution's weight [out, in, k, k]: the 1×1 part's mixing times the k×k part.</summary>
    private Tensor Product()
    {
        using var mixing = collapse.weight!.flatten(1);
        return torch.einsum("oe,eikl->oikl", mixing, expand.weight!);
    }
}
