using HiNas.Imaging.Pixels;
using HiNas.Search.Losses;
using HiNas.Search.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace HiNas.Search.Tests.Losses;

/// <summary>The training loss's SSIM is the evaluation's SSIM, and its gradient is the gradient of that value.</summary>
public class DifferentiableSsimTests
{
    public DifferentiableSsimTests() => TorchRuntime.EnsureInitialized();

    [Fact]
    public void TheValue_IsTheEvaluationMetricsSsim_AveragedOverTheBatch()
    {
        using var scope = torch.NewDisposeScope();
        var generator = new Generator(11);
        var clean = torch.rand(2, 3, 20, 27, generator: generator);
        var noisy = (clean + 0.1 * torch.randn(2, 3, 20, 27, generator: generator)).clamp(0, 1);
        var expected = Enumerable.Range(0, 2).Average(i => Imaging.Metrics.Ssim.Compute(Planar(clean[i]), Planar(noisy[i])));
        var actual = DifferentiableSsim.Compute(noisy, clean).item<float>();
        Assert.Equal(expected, actual, 5);
        Assert.Equal(ScalarType.Float32, DifferentiableSsim.Compute(noisy, clean).dtype);
    }

    [Fact]
    public void TheGradient_MatchesCentralDifferences()
    {
        using var scope = torch.NewDisposeScope();
        var generator = new Generator(12);
        var clean = torch.rand(1, 1, 14, 15, dtype: ScalarType.Float64, generator: generator);
        var noisy = (clean + 0.2 * torch.randn(1, 1, 14, 15, dtype: ScalarType.Float64, generator: generator)).detach().requires_grad_(true);
        DifferentiableSsim.Compute(noisy, clean).backward();
        var gradient = noisy.grad!;
        const double h = 1e-6;
        foreach (var (row, column) in new[] { (0, 0), (3, 7), (7, 7), (13, 14), (10, 2) })
        {
            double At(double delta)
            {
                using var _ = torch.no_grad();
                var moved = noisy.detach().clone();
                moved[0, 0, row, column] += delta;
                return DifferentiableSsim.Compute(moved, clean).item<double>();
            }
            var numeric = (At(h) - At(-h)) / (2 * h);
            var analytic = gradient[0, 0, row, column].item<double>();
            Assert.True(Math.Abs(numeric - analytic) < 1e-6 + 1e-4 * Math.Abs(numeric), $"({row}, {column}): autograd {analytic}, central difference {numeric}");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void InFloat32_ValueAndGradient_AreTheFloat64Ones(int channels)
    {
        // as a training computes it: a float32 network output, channels-last where the process lays activations out so
        using var scope = torch.NewDisposeScope();
        var generator = new Generator(13);
        var clean = torch.rand(4, channels, 40, 36, dtype: ScalarType.Float64, generator: generator);
        var noisy = (clean + 0.1 * torch.randn(4, channels, 40, 36, dtype: ScalarType.Float64, generator: generator)).clamp(0, 1);
        (Tensor Value, Tensor Gradient) Differentiate(ScalarType type, bool channelsLast)
        {
            var output = noisy.to(type).detach();
            if (channelsLast) output = output.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
            output.requires_grad_(true);
            var value = DifferentiableSsim.Compute(output, clean.to(type));
            Assert.Equal(type, value.dtype);
            value.backward();
            return (value.to(ScalarType.Float64), output.grad!.to(ScalarType.Float64));
        }
        var (value64, gradient64) = Differentiate(ScalarType.Float64, false);
        foreach (var channelsLast in new[] { false, true })
        {
            var (value32, gradient32) = Differentiate(ScalarType.Float32, channelsLast);
            Assert.Equal(value64.item<double>(), value32.item<double>(), 6);
            var error = ((gradient32 - gradient64).abs().max() / gradient64.abs().max()).item<double>();
            Assert.True(error < 1e-4, $"{channels} channel(s), channels-last {channelsLast}: float32 gradient off by {error:E2} of the largest");
        }
    }

    private static PlanarImage Planar(Tensor chw) =>
        new((int)chw.shape[0], (int)chw.shape[1], (int)chw.shape[2], chw.contiguous().data<float>().ToArray());
}
