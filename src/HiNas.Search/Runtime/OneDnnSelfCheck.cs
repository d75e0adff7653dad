using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace HiNas.Search.Runtime;

/// <summary>
/// One convolution the self-check differentiates: batch × in → out channels, kernel rows × columns (square unless
/// <paramref name="KernelColumns"/> is given), dilation, groups, side; whether the project needs its input gradient (not
/// for one-channel inputs: those are images, see <see cref="ActivationLayouts.ForDenseConvolution"/>).
/// </summary>
public sealed record ConvCase(long Batch, long In, long Out, long Kernel, long Dilation, long Groups, long Side, long? KernelColumns = null)
{
    public bool InputGradient => In > 1;

    public long Columns => KernelColumns ?? Kernel;

    public override string ToString() => $"{In}→{Out} {Kernel}×{Columns}" + (Dilation > 1 ? $" d{Dilation}" : "") + (Groups > 1 ? $" g{Groups}" : "");
}

/// <summary>The self-check's measurements: the largest relative errors of float32 against float64 outputs and gradients.</summary>
public sealed record OneDnnCheckResult(double MaxOutputError, double MaxInputError, double MaxWeightError, string WorstCase, double Milliseconds)
{
    /// <summary>Relative error (max |float32 − float64| / max |float64|) above which a result is wrong. Float32 rounding gives ~1e-6.</summary>
    public const double Tolerance = 1e-3;

    public bool Passed => MaxOutputError <= Tolerance && MaxInputError <= Tolerance && MaxWeightError <= Tolerance;
}

/// <summary>
/// Runs the convolution shapes this project trains (stem and head 3×3 from and to gray and RGB, dense 3×3/5×5 at the
/// search widths 10, 15, 20 and the baseline widths 26 and 64, dilated — dense as the dilated candidates, also at the
/// doubled retraining widths — depthwise as in the separable operations and the decoder, 1×1 projections, the decoder's
/// 176 → 128 and its output convolution, the SSIM loss's Gaussian factors over the moments of gray and RGB images)
/// forward and backward in float32 and in float64 with the backends libtorch has on, in the
/// <see cref="ActivationLayout"/> the process would compute in, and compares outputs, input gradients and weight
/// gradients, <see cref="Rounds"/> times with fresh tensors, the upstream gradient alternately channels-last and NCHW.
/// On some of the project's CPUs oneDNN's float32 kernels return wrong values or NaN, some only now and then (channel
/// counts that are not a multiple of its blocks: 10, 15, 20, 26); float64 does not go through oneDNN. Takes a fraction
/// of a second.
/// </summary>
public static class OneDnnSelfCheck
{
    public static IReadOnlyList<ConvCase> Cases { get; } = new[]
    {
        new ConvCase(2, 16, 1, 3, 1, 1, 32),
        new ConvCase(2, 1, 16, 3, 1, 1, 32),
        new ConvCase(4, 1, 8, 3, 1, 1, 24),
        new ConvCase(2, 3, 26, 3, 1, 1, 32),
        new ConvCase(2, 26, 3, 3, 1, 1, 32),
        new ConvCase(2, 64, 1, 3, 1, 1, 32),
        new ConvCase(2, 10, 10, 3, 1, 1, 32),
        new ConvCase(2, 10, 10, 5, 1, 1, 32),
        new ConvCase(2, 15, 15, 3, 2, 1, 32),
        new ConvCase(2, 26, 26, 3, 1, 1, 32),
        new ConvCase(2, 20, 20, 3, 2, 20, 32),
        new ConvCase(2, 10, 10, 5, 1, 10, 32),
        new ConvCase(2, 40, 10, 1, 1, 1, 32),
        new ConvCase(2, 20, 20, 1, 1, 1, 32),
        new ConvCase(2, 32, 32, 3, 1, 1, 32),
        new ConvCase(2, 20, 20, 5, 2, 1, 32),
        new ConvCase(2, 40, 40, 3, 2, 1, 24),
        new ConvCase(2, 176, 128, 1, 1, 1, 16),
        new ConvCase(2, 128, 128, 3, 2, 128, 16),
        new ConvCase(2, 128, 1, 3, 1, 1, 16),
        new ConvCase(2, 5, 5, 11, 1, 5, 32, KernelColumns: 1),
        new ConvCase(2, 15, 15, 1, 1, 15, 32, KernelColumns: 11),
    };

    /// <summary>Times every case runs, each with fresh tensors (some faults show only now and then).</summary>
    public const int Rounds = 4;

    /// <summary>What the check covers (its cases and rounds): a failure remembered by another version of the check does not count.</summary>
    public static string Signature => $"{Rounds}:{string.Join(";", Cases.Select(c => $"{c}/{c.Batch}/{c.Side}/{c.InputGradient}"))}";

    /// <summary>Runs every case <see cref="Rounds"/> times in <paramref name="layout"/>.</summary>
    public static OneDnnCheckResult Run(ActivationLayout layout)
    {
        var clock = Stopwatch.StartNew();
        double worstOutput = 0, worstInput = 0, worstWeight = 0, worst = 0;
        var worstCase = "";
        using var generator = new Generator(20261130);
        for (var round = 0; round < Rounds; round++)
        {
            foreach (var c in Cases)
            {
                using var scope = torch.NewDisposeScope();
                var x = torch.randn(new[] { c.Batch, c.In, c.Side, c.Side }, dtype: ScalarType.Float64, generator: generator);
                var w = torch.randn(new[] { c.Out, c.In / c.Groups, c.Kernel, c.Columns }, dtype: ScalarType.Float64, generator: generator) * 0.1;
                var upstreamLast = round % 2 == 0;
                var (output64, input64, weight64) = Differentiate(c, x, w, layout, upstreamLast);
                var (output32, input32, weight32) = Differentiate(c, x.to(ScalarType.Float32), w.to(ScalarType.Float32), layout, upstreamLast);
                var errors = (Output: RelativeError(output32, output64), Input: RelativeError(input32, input64), Weight: RelativeError(weight32, weight64));
                var largest = Math.Max(errors.Output, Math.Max(errors.Input, errors.Weight));
                if (largest > worst)
                {
                    worst = largest;
                    worstCase = c.ToString();
                }
                worstOutput = Math.Max(worstOutput, errors.Output);
                worstInput = Math.Max(worstInput, errors.Input);
                worstWeight = Math.Max(worstWeight, errors.Weight);
            }
        }
        return new OneDnnCheckResult(worstOutput, worstInput, worstWeight, worstCase, clock.Elapsed.TotalMilliseconds);
    }

    private static (Tensor Output, Tensor Input, Tensor Weight) Differentiate(ConvCase c, Tensor x, Tensor w, ActivationLayout layout, bool upstreamLast)
    {
        var input = x.detach().requires_grad_(c.InputGradient);
        var weight = w.detach().requires_grad_(true);
        var padding = new[] { c.Dilation * (c.Kernel - 1) / 2, c.Dilation * (c.Columns - 1) / 2 };
        var laidOut = ActivationLayouts.ForConvolution(input, c.Groups, layout);
        var y = nn.functional.conv2d(laidOut, weight, padding: padding, dilation: new[] { c.Dilation, c.Dilation }, groups: c.Groups);
        // a non-uniform upstream gradient, so that every tap of every weight matters, laid out as the next operation would give it
        var upstream = torch.linspace(-1, 1, y.numel(), dtype: y.dtype).reshape(y.shape);
        if (upstreamLast) upstream = ActivationLayouts.ForDenseConvolution(upstream, layout);
        (y * upstream).sum().backward();
        var inputGradient = c.InputGradient ? input.grad!.to(ScalarType.Float64) : torch.zeros(1, dtype: ScalarType.Float64);
        return (y.detach().to(ScalarType.Float64), inputGradient, weight.grad!.to(ScalarType.Float64));
    }

    /// <summary>max |a − b| / max |b|; infinite when a holds NaN or infinities.</summary>
    private static double RelativeError(Tensor a, Tensor b)
    {
        var error = (a - b).abs().max().item<double>() / Math.Max(b.abs().max().item<double>(), 1e-30);
        return double.IsFinite(error) ? error : double.PositiveInfinity;
    }
}
