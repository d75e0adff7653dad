using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using HiNas.Search.Export;

namespace HiNas.Search.Operations;

/// <summary>Separable k×k convolution: (LeakyReLU → depthwise k×k → pointwise 1×1 → BatchNorm), twice.</summary>
public sealed class SeparableConv : Module<Tensor, Tensor>, IExportable, IPreActivated
{
    private readonly DilatedConv first;
    private readonly DilatedConv second;

    public SeparableConv(long channels, long kernel, bool affine) : base(nameof(SeparableConv))
    {
        first = new DilatedConv(channels, kernel, 1, affine);
        second = new DilatedConv(channels, kernel, 1, affine);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var half = first.call(x);
        return second.call(half);
    }

    public Tensor ForwardActivated(Tensor activated)
    {
        using var half = first.ForwardActivated(activated);
        return second.call(half);
    }

    public string Emit(IGraphEmitter g, string x) => second.Emit(g, first.Emit(g, x));
}
