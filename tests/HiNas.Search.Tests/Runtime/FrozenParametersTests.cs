using HiNas.Imaging.Tasks;
using HiNas.Search.Architecture;
using HiNas.Search.Losses;
using HiNas.Search.Runtime;
using HiNas.Search.Supernets;
using HiNas.Search.Tests.Supernets;
using TorchSharp;
using static TorchSharp.torch;

namespace HiNas.Search.Tests.Runtime;

public sealed class FrozenParametersTests
{
    public FrozenParametersTests() => TorchRuntime.EnsureInitialized();

    /// <summary>
    /// Frozen weights get no gradient from a backward while α does; an architecture step (which freezes them) moves α
    /// and leaves every weight trainable afterwards, also when a step throws.
    /// </summary>
    [Fact]
    public void FrozenWeights_GetNoGradient_AndAreTrainableAgainAfterwards()
    {
        using var scope = torch.NewDisposeScope();
        var task = RestorationTask.Denoise(25, 1);
        using var net = TorchRuntime.Seeded(1, () => new Supernet(SupernetTests.Tiny(task)));
        net.train();
        using (FrozenParameters.Of(net.WeightParameters()))
            net.call(torch.rand(2, 1, 16, 16)).sum().backward();
        Assert.All(net.WeightParameters(), p => Assert.Null(p.grad));
        Assert.NotNull(net.Alpha.grad);
        Assert.All(net.WeightParameters(), p => Assert.True(p.requires_grad));

        using var architect = new Architect(net, RestorationLoss.For(task), 1e-2, 0);
        var alphaBefore = net.Alpha.detach().clone();
        architect.Step(torch.rand(2, 1, 16, 16), torch.rand(2, 1, 16, 16));
        Assert.False(torch.allclose(alphaBefore, net.Alpha), "α did not move");
        Assert.All(net.WeightParameters(), p => Assert.True(p.requires_grad));

        Assert.Throws<InvalidOperationException>(new Action(() =>
        {
            using var frozen = FrozenParameters.Of(net.WeightParameters());
            Assert.All(net.WeightParameters(), p => Assert.False(p.requires_grad));
            throw new InvalidOperationException("a step that fails");
        }));
        Assert.All(net.WeightParameters(), p => Assert.True(p.requires_grad));
    }
}
