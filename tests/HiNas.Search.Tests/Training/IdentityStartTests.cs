using HiNas.Imaging.Tasks;
using HiNas.Search.Networks;
using HiNas.Search.Runtime;
using HiNas.Search.Training;
using TorchSharp;
using static TorchSharp.torch;
using HiNas.Nas.Settings;
using HiNas.Nas.Space;

namespace HiNas.Search.Tests.Training;

public class IdentityStartTests
{
    private static readonly IReadOnlyList<double> Factors = SearchSpace.DefaultWidthFactors;

    /// <summary>
    /// Each kind of network, its prediction layer zeroed, returns the identity restoration: its input (denoising) or the
    /// bicubic upsampling (super-resolution) — so the layer each network names is the one its prediction comes from.
    /// Untouched, none of them does.
    /// </summary>
    [Theory]
    [InlineData("dncnn", "denoise", 1, "light")]
    [InlineData("ffdnet", "denoise", 3, "light")]
    [InlineData("espcn", "sr", 3, "light")]
    [InlineData("fsrcnn", "sr", 1, "light")]
    [InlineData("random:2", "denoise", 1, "light")]
    [InlineData("random:2", "denoise", 3, "decoder")]
    [InlineData("random:5", "sr", 3, "light")]
    [InlineData("random:5", "sr", 3, "decoder")]
    [InlineData("frame-time:7", "sr", 3, "light")]
    [InlineData("frame-time:7", "denoise", 1, "decoder")]
    public void ANetworkWhosePredictionLayerIsZero_ReturnsTheIdentityRestoration(string kind, string taskKind, int channels, string head)
    {
        var task = taskKind == "sr" ? RestorationTask.SuperResolution(3, channels) : RestorationTask.Denoise(25, channels);
        var frameTime = kind.StartsWith("frame-time", StringComparison.Ordinal);
        var space = new SearchSpace(task, 2, 2, 6, Factors, 8, pixelUnshuffle: frameTime ? 2 : 1, headConv: frameTime ? ConvStyle.Separable : ConvStyle.Dense);
        var spec = ArchitectureSpec.Parse(frameTime ? "random:" + kind.Split(':')[1] : kind, task, depth: 4, width: 8, space);
        if (spec.IsHiNas) spec = spec with { Head = head == "decoder" ? DerivedHead.Decoder : DerivedHead.Light };
        using var network = TorchRuntime.Seeded(5, () => spec.Build(task));
        network.eval();
        using var scope = torch.NewDisposeScope();
        var x = torch.rand(new long[] { 2, channels, 14, 18 }, generator: new Generator(11));
        var identity = task.Kind == RestorationKind.Denoise ? x : TaskResidual.Upsample(x, task.Scale);

        using (torch.no_grad()) Assert.True(MaxDifference(network.call(x), identity) > 1e-3, $"{kind}: the untouched network already returns the identity restoration; the test cannot tell");
        IdentityStart.Apply((IRestorationNetwork)network);
        using (torch.no_grad()) Assert.True(MaxDifference(network.call(x), identity) < 1e-5, $"{kind}: zeroing its prediction layer does not make it the identity restoration");
    }

    /// <summary>The largest absolute elementwise difference of two tensors.</summary>
    internal static double MaxDifference(Tensor a, Tensor b) => (a - b).abs().max().item<float>();
}
