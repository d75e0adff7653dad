using HiNas.Search.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace HiNas.Search.Operations;

/// <summary>
/// BatchNorm over NCHW channels (momentum 0.1 unless set, ε 1e-5, optional affine), computed by libtorch's batch_norm with
/// plain double arguments. It replaces TorchSharp's BatchNorm2d, whose training-mode forward increments
/// num_batches_tracked through a temporary Scalar that the finalizer can free while libtorch reads it — a random
/// abort in long Release-build trainings (see <see cref="Runtime.TensorMath"/>). Parameters and buffers keep
/// the usual names: weight, bias, running_mean, running_var. Its input is laid out by
/// <see cref="ActivationLayouts.ForBatchNorm"/>.
/// </summary>
public sealed class ScalarFreeBatchNorm2d : nn.Module<Tensor, Tensor>
{
    public const double DefaultMomentum = 0.1;
    public const double Epsilon = 1e-5;

    private readonly TorchSharp.Modules.Parameter? weight;
    private readonly TorchSharp.Modules.Parameter? bias;

    public ScalarFreeBatchNorm2d(long channels, bool affine = true) : base(nameof(ScalarFreeBatchNorm2d))
    {
        if (affine)
        {
            weight = new TorchSharp.Modules.Parameter(torch.ones(channels));
            bias = new TorchSharp.Modules.Parameter(torch.zeros(channels));
        }
        RegisterComponents();
        register_buffer("running_mean", torch.zeros(channels));
        register_buffer("running_var", torch.ones(channels));
    }

    /// <summary>
    /// The weight of a training batch's statistics in the running ones (running ← (1 − m)·running + m·batch). A
    /// recalibration sets it to 1/(n + 1) for its n-th batch, so that the running statistics are the batches' mean.
    /// </summary>
    public double Momentum { get; set; } = DefaultMomentum;

    public TorchSharp.Modules.Parameter? Weight => weight;
    public TorchSharp.Modules.Parameter? Bias => bias;
    public Tensor RunningMean => get_buffer("running_mean")!;
    public Tensor RunningVar => get_buffer("running_var")!;

    public override Tensor forward(Tensor x)
    {
        var input = ActivationLayouts.ForBatchNorm(x, TorchRuntime.Layout);
        try
        {
            return nn.functional.batch_norm(input, RunningMean, RunningVar, weight, bias, training, Momentum, Epsilon);
        }
        finally
        {
            if (!ReferenceEquals(input, x)) input.Dispose();
        }
    }
}
