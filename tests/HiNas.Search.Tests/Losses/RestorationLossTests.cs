using HiNas.Imaging.Tasks;
using HiNas.Nas.Settings;
using HiNas.Search.Losses;
using HiNas.Search.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace HiNas.Search.Tests.Losses;

public class RestorationLossTests
{
    public RestorationLossTests() => TorchRuntime.EnsureInitialized();

    /// <summary>The gradient's size on each of two samples whose errors differ tenfold in amplitude (pixel term only).</summary>
    private static (double Noisy, double Quiet) GradientNorms(PixelLoss pixel, float quietError = 0.01f)
    {
        using var target = torch.full(new long[] { 2, 1, 16, 16 }, 0.5f);
        using var signs = torch.rand(new long[] { 2, 1, 16, 16 }, generator: new Generator(3)).gt(0.5).to(ScalarType.Float32).mul(2).sub(1);
        using var amplitudes = torch.tensor(new[] { quietError * 10, quietError }).reshape(2, 1, 1, 1);
        using var output = (target + signs * amplitudes).detach().requires_grad_(true);
        using var loss = new RestorationLoss(pixel, 0).Compute(output, target);
        loss.backward();
        using var norms = output.grad!.square().sum(new long[] { 1, 2, 3 }).sqrt();
        var values = norms.data<float>().ToArray();
        return (values[0], values[1]);
    }

    [Fact]
    public void BatchMse_IsRuledByTheNoisiestSample_LogMse_WeighsEachSampleInDecibels()
    {
        // batch MSE: the sample with ten times the error gets ten times the gradient; log-MSE turns that round (the
        // gradient of log10(mse) is the MSE's divided by the sample's own MSE), so a decibel counts the same everywhere
        var (mseNoisy, mseQuiet) = GradientNorms(PixelLoss.Mse);
        Assert.Equal(10, mseNoisy / mseQuiet, 2);
        var (logNoisy, logQuiet) = GradientNorms(PixelLoss.LogMse);
        Assert.Equal(0.1, logNoisy / logQuiet, 3);
    }

    [Fact]
    public void LogMse_IsFlooredAt45dB_AQuietterSampleGivesNoGradient()
    {
        // an error of 0.002 is 54 dB: under the floor, the sample is not pushed further
        var (noisy, quiet) = GradientNorms(PixelLoss.LogMse, quietError: 0.002f);
        Assert.True(noisy > 0);
        Assert.Equal(0, quiet);
    }

    [Fact]
    public void ThePixelLossSetting_PicksTheTerm_AndTheTaskKeepsItsSsimWeight()
    {
        var denoise = RestorationTask.Denoise(25, 1);
        static (PixelLoss, double) Terms(RestorationLoss loss) => (loss.Pixel, loss.SsimWeight);
        Assert.Equal((PixelLoss.Mse, 0.5), Terms(RestorationLoss.For(denoise)));
        Assert.Equal((PixelLoss.LogMse, 0.5), Terms(RestorationLoss.For(denoise, PixelLosses.LogMse)));
        Assert.Equal((PixelLoss.L1, 0.6), Terms(RestorationLoss.For(RestorationTask.SuperResolution(2, 3))));
        Assert.Throws<ArgumentException>(() => RestorationLoss.For(denoise, "huber"));
    }
}
