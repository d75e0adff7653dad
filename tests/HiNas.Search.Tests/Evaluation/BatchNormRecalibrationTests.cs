using HiNas.Imaging.Datasets;
using HiNas.Imaging.Randomness;
using HiNas.Imaging.Tasks;
using HiNas.Search.Data;
using HiNas.Search.Evaluation;
using HiNas.Search.Operations;
using HiNas.Search.Runtime;
using TorchSharp;

namespace HiNas.Search.Tests.Evaluation;

public class BatchNormRecalibrationTests
{
    /// <summary>
    /// The running statistics become the means of the batches' own (mean, unbiased variance) over the recalibration
    /// stream's batches — not an exponential average weighted towards the last — and the norm's momentum and the
    /// network's mode are restored.
    /// </summary>
    [Fact]
    public void TheRunningStatisticsBecomeTheMeanOfTheBatches()
    {
        TorchRuntime.EnsureInitialized();
        var task = RestorationTask.Denoise(25, 1);
        var images = Enumerable.Range(0, 4).Select(i => new DeadLeavesGenerator().Generate(40, 40, 1, 500 + (ulong)i)).ToArray();
        var sampler = new PairSampler(images, task, 24);
        using var norm = new ScalarFreeBatchNorm2d(1);
        norm.eval();
        const int batches = 5, batchSize = 3;
        const ulong seed = 9;

        BatchNormRecalibration.Run(norm, sampler, batchSize, seed, torch.CPU, batches);

        var random = new DeterministicRandom(BatchNormRecalibration.StreamSeed(seed));
        double meanOfMeans = 0, meanOfVariances = 0;
        for (var b = 0; b < batches; b++)
        {
            var pairs = Enumerable.Range(0, batchSize).Select(_ => sampler.Next(random)).ToArray();
            var (input, _) = TensorImages.ToBatch(pairs, torch.CPU);
            meanOfMeans += input.mean().item<float>() / batches;
            meanOfVariances += input.var().item<float>() / batches; // unbiased, as batch_norm keeps it
        }
        Assert.Equal(meanOfMeans, norm.RunningMean.item<float>(), 4);
        Assert.Equal(meanOfVariances, norm.RunningVar.item<float>(), 4);
        Assert.Equal(ScalarFreeBatchNorm2d.DefaultMomentum, norm.Momentum);
        Assert.False(norm.training, "recalibration left the network in training mode");
    }
}
