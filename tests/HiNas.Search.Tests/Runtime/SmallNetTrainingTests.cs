using HiNas.Imaging.Datasets;
using HiNas.Imaging.Randomness;
using HiNas.Imaging.Tasks;
using HiNas.Search.Data;
using HiNas.Search.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using HiNas.Nas.Settings;

namespace HiNas.Search.Tests.Runtime;

public class SmallNetTrainingTests
{
    /// <summary>
    /// A small residual conv denoiser trained for 50 Adam steps on dead-leaves patches (σ 25): the loss must
    /// stay finite and the last steps' mean loss must be well below the first steps'. With oneDNN's wrong
    /// input gradients the loss goes NaN within a step or two.
    /// </summary>
    [Fact]
    public void FiftyStepsOnDeadLeavesLowerTheLoss()
    {
        TorchRuntime.EnsureInitialized();
        var device = torch.CPU;
        var task = RestorationTask.Denoise(25, 1);
        var pool = PairSampler.LoadPool(new DeadLeavesSource(8, 64, 64, seed: 3), Enumerable.Range(0, 8), 1);
        var sampler = new PairSampler(pool, task, cropSize: 32);
        var random = new DeterministicRandom(9);

        var net = TorchRuntime.Seeded(1, () => nn.Sequential(
            nn.Conv2d(1, 16, 3, padding: 1), nn.LeakyReLU(0.2),
            nn.Conv2d(16, 16, 3, padding: 1), nn.LeakyReLU(0.2),
            nn.Conv2d(16, 1, 3, padding: 1)));
        var optimizer = optim.Adam(net.parameters(), lr: 2e-3);
        var losses = new List<double>();
        for (var step = 0; step < 50; step++)
        {
            using var scope = torch.NewDisposeScope();
            var pairs = Enumerable.Range(0, 8).Select(_ => sampler.Next(random)).ToArray();
            var (input, target) = TensorImages.ToBatch(pairs, device);
            var output = input - net.call(input);
            var loss = nn.functional.mse_loss(output, target);
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            losses.Add(loss.item<float>());
        }

        Assert.All(losses, l => Assert.True(double.IsFinite(l), "loss went non-finite"));
        var first = losses.Take(5).Average();
        var last = losses.TakeLast(10).Average();
        Assert.True(last < 0.6 * first, $"loss did not fall enough: first {first:E3}, last {last:E3}");
    }
}
