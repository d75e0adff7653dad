using HiNas.Search.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace HiNas.Search.Tests.Runtime;

public class TorchRuntimeTests
{
    public TorchRuntimeTests() => TorchRuntime.EnsureInitialized();

    /// <summary>
    /// The runtime never keeps a oneDNN that fails its self-check (unless HINAS_ONEDNN=on forces it): whatever it
    /// decided at start-up, the self-check run now, in the process as configured, passes.
    /// </summary>
    [Fact]
    public void TheOneDnnDecision_IsBackedByTheSelfCheck()
    {
        var decision = TorchRuntime.OneDnn;
        Assert.NotEqual("on", decision.Mode);
        var now = OneDnnSelfCheck.Run(TorchRuntime.Layout);
        Assert.True(now.Passed, $"{decision}; self-check now: output error {now.MaxOutputError}, input error {now.MaxInputError}, weight error {now.MaxWeightError} at {now.WorstCase}");
        if (decision.Enabled) Assert.True(decision.Check!.Passed, decision.ToString());
    }

    /// <summary>
    /// Regression for the oneDNN bug on AVX-512 CPUs, with the backends and the activation layout as the runtime decided
    /// them: the float32 input gradient of a 16→1 3×3 conv must match the float64 one. With oneDNN on at its full
    /// instruction set on NCHW activations, errors of 9–33 or NaN were seen here; this test fails if the runtime leaves
    /// such a oneDNN on.
    /// </summary>
    [Fact]
    public void Float32ConvInputGradientMatchesFloat64()
    {
        using var scope = torch.NewDisposeScope();
        var generator = new Generator(1234);
        var x64 = torch.randn(new long[] { 8, 16, 64, 64 }, dtype: ScalarType.Float64, generator: generator);
        var w64 = torch.randn(new long[] { 1, 16, 3, 3 }, dtype: ScalarType.Float64, generator: generator) * 0.1;

        var gradient64 = InputGradient(x64, w64);
        var gradient32 = InputGradient(x64.to(ScalarType.Float32), w64.to(ScalarType.Float32)).to(ScalarType.Float64);

        Assert.False(gradient32.isnan().any().item<bool>(), "float32 gradient has NaN");
        var maxError = (gradient32 - gradient64).abs().max().item<double>();
        Assert.True(maxError < 1e-3, $"max |float32 - float64| input gradient = {maxError}");
    }

    private static Tensor InputGradient(Tensor x, Tensor w)
    {
        var input = x.detach().requires_grad_(true);
        var y = nn.functional.conv2d(ActivationLayouts.ForDenseConvolution(input, TorchRuntime.Layout), w, padding: new long[] { 1, 1 });
        // A non-uniform upstream gradient so that every weight tap matters.
        var upstream = torch.linspace(-1, 1, y.numel(), dtype: y.dtype).reshape(y.shape);
        (y * upstream).sum().backward();
        return input.grad!.detach();
    }
}
