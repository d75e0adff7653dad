using HiNas.Imaging.Tasks;
using HiNas.Search.Baselines;
using HiNas.Search.Networks;
using HiNas.Search.Runtime;
using static TorchSharp.torch;

namespace HiNas.Search.Tests.Training;

/// <summary>Where a DnCNN/FFDNet training starts: its middle convolutions pass each channel through, its prediction is zero.</summary>
public sealed class DnCnnStartTests
{
    public DnCnnStartTests() => TorchRuntime.EnsureInitialized();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void TheMiddleConvolutions_StartAsTheIdentity_TheOthersAtRandom(int pixelUnshuffle)
    {
        using var network = TorchRuntime.Seeded(3, () => new DnCnn(RestorationTask.Denoise(25, 3), depth: 6, width: 8, pixelUnshuffle: pixelUnshuffle));
        var convs = network.named_parameters().Where(p => p.name.EndsWith(".weight") && p.parameter.dim() == 4).ToArray();
        Assert.Equal(6, convs.Length);
        var identity = zeros(8, 8, 3, 3);
        for (var c = 0; c < 8; c++) identity[c, c, 1, 1] = tensor(1f);
        var middle = convs.Where(p => p.name.Contains(".conv") && !p.name.Contains("conv_")).ToArray();
        Assert.Equal(4, middle.Length);
        Assert.All(middle, p => Assert.True(p.parameter.allclose(identity, rtol: 0, atol: 0), $"{p.name} is not the identity"));
        Assert.All(convs.Except(middle), p => Assert.True(p.parameter.abs().sum().item<float>() > 0, $"{p.name} is all zero"));

        // with the prediction layer zeroed (IdentityStart), the whole network returns its input
        IdentityStart.Apply(network);
        network.eval();
        using var x = rand(1, 3, 12, 16);
        using var y = network.call(x);
        Assert.True(y.allclose(x, rtol: 0, atol: 0), "the network starts as the identity restoration");
    }
}
