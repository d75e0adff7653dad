using HiNas.Search.Export;
using TorchSharp;
using static TorchSharp.torch;

namespace HiNas.Search.Operations;

/// <summary>
/// The skip connection of fused cells: the input times a learned factor per channel, started at 0
/// (<see cref="HiNas.Nas.Space.OperationKind.ScaledSkip"/>) — or at 1 in a node without a convolution
/// (<see cref="StartAsIdentity"/>: a derived cell's, and the factors a supernet's edge keeps for such nodes,
/// <see cref="Cells.MixedOp.ForwardOne"/>) — learned in search and retraining alike. Exported as one Mul.
/// </summary>
public sealed class ScaledIdentity : nn.Module<Tensor, Tensor>, IExportable
{
    private readonly TorchSharp.Modules.Parameter scale;

    public ScaledIdentity(long channels) : base(nameof(ScaledIdentity))
    {
        scale = new TorchSharp.Modules.Parameter(torch.zeros(1, channels, 1, 1));
        RegisterComponents();
    }

    /// <summary>
    /// Starts the factors at 1: for a node of skips alone, which at 0 would be ReLU(0) — no output and, ReLU's gradient
    /// at 0 being 0, no gradient either, so the node and everything that reads only it would never learn (measured: a
    /// network with such nodes stayed at its input, 20.16 dB, for 4,000 iterations).
    /// </summary>
    public void StartAsIdentity()
    {
        using var noGrad = torch.no_grad();
        scale.fill_(1);
    }

    /// <summary>The factors, [1, C, 1, 1].</summary>
    public TorchSharp.Modules.Parameter Factors => scale;

    public override Tensor forward(Tensor x) => x.mul(scale);

    public string Emit(IGraphEmitter g, string x)
    {
        using var factors = scale.detach().cpu();
        return g.Scale(x, factors.data<float>().ToArray());
    }
}
