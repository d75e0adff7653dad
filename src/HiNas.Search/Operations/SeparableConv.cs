using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using HiNas.Search.Export;

namespace HiNas.Search.Operations;

/// <summary>
/// Separable k×k convolution: (LeakyReLU → depthwise k×k → pointwise 1×1 → BatchNorm), twice; in fused cells
/// (<c>preActivated</c> false) depthwise → pointwise → BatchNorm → ReLU → depthwise → pointwise → BatchNorm, linear
/// at both ends with its inner activation after the first half (where it folds into the first half's pointwise convolution).
/// </summary>
public sealed class SeparableConv : Module<Tensor, Tensor>, IExportable, IPreActivated
{
    private readonly DilatedConv first;
    private readonly Module<Tensor, Tensor>? middle;
    private readonly DilatedConv second;

    public SeparableConv(long channels, long kernel, bool affine, bool preActivated = true) : base(nameof(SeparableConv))
    {
        first = new DilatedConv(channels, kernel, 1, affine, preActivated);
        if (!preActivated) middle = ReLU();
        second = new DilatedConv(channels, kernel, 1, affine, preActivated);
        RegisterComponents();
    }

    public bool IsPreActivated => middle is null;

    public override Tensor forward(Tensor x)
    {
        using var half = first.call(x);
        if (middle is null) return second.call(half);
        using var activated = middle.call(half);
        return second.call(activated);
    }

    public Tensor ForwardActivated(Tensor activated)
    {
        if (middle is not null) throw new InvalidOperationException("a fused cell's separable convolution does not begin with the LeakyReLU");
        using var half = first.ForwardActivated(activated);
        return second.call(half);
    }

    public string Emit(IGraphEmitter g, string x)
    {
        var half = first.Emit(g, x);
        return second.Emit(g, middle is null ? half : g.Relu(half));
    }
}
