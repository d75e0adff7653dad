using HiNas.Search.Export;
using TorchSharp;
using static TorchSharp.torch;

namespace HiNas.Search.Operations;

/// <summary>
/// The skip connection of fused cells: the input times a learned factor per channel, started at 0
/// (<see cref="HiNas.Nas.Space.OperationKind.ScaledSkip"/>), learned in search and retraining alike. Exported as one Mul.
/// </summary>
public sealed class ScaledIdentity : nn.Module<Tensor, Tensor>, IExportable
{
    private readonly TorchSharp.Modules.Parameter scale;

    public ScaledIdentity(long channels) : base(nameof(ScaledIdentity))
    {
        scale = new TorchSharp.Modules.Parameter(torch.zeros(1, channels, 1, 1));
        RegisterComponents();
    }

    /// <summary>The factors, [1, C, 1, 1].</summary>
    public TorchSharp.Modules.Parameter Factors => scale;

    public override Tensor forward(Tensor x) => x.mul(scale);

    public string Emit(IGraphEmitter g, string x) => g.Scale(x, scale.detach().cpu().data<float>().ToArray());
}
