using HiNas.Imaging.Datasets;
using HiNas.Imaging.Randomness;
using HiNas.Search.Data;
using HiNas.Search.Operations;
using HiNas.Search.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace HiNas.Search.Evaluation;

/// <summary>
/// Replaces a network's BatchNorm running statistics with their means over training batches, run forward in training
/// mode without gradients (the n-th batch at momentum 1/(n + 1)), before the network is validated. The running
/// statistics training keeps are an exponential average (momentum 0.1) over the last few steps' weights: while the
/// learning rate is high the weights move faster than that average follows, and the network validated with them is
/// not the one trained — the RGB default retrained with expanded convolutions validated at 31.78 dB at iteration
/// 5,000 and at 33.86 dB with its statistics recalibrated on 20 batches (bench/latency README, "Conv expansion"). The
/// batches come from their own stream (<see cref="StreamSeed"/>), the same at every call, so networks recalibrated one
/// after another are measured alike.
/// </summary>
public static class BatchNormRecalibration
{
    /// <summary>Training batches the statistics are re-estimated on.</summary>
    public const int Batches = 20;

    /// <summary>The seed of the recalibration batches' stream for a run seeded <paramref name="seed"/>: its own, so the run's training draws stay as they were.</summary>
    public static ulong StreamSeed(ulong seed) => DeterministicRandom.Derive(seed, 0xBA7C4);

    /// <summary>
    /// Recalibrates <paramref name="network"/>'s BatchNorms on <paramref name="batches"/> batches of
    /// <paramref name="batchSize"/> pairs from <paramref name="sampler"/>, drawn from a stream seeded
    /// <see cref="StreamSeed"/>(<paramref name="seed"/>); the network's mode and the norms' momentum are restored after.
    /// A network without BatchNorm is left as it is.
    /// </summary>
    public static void Run(nn.Module<Tensor, Tensor> network, PairSampler sampler, int batchSize, ulong seed, Device device, int batches = Batches)
    {
        if (batches < 1) throw new ArgumentOutOfRangeException(nameof(batches), batches, "at least one batch");
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "at least one pair per batch");
        var norms = network.modules().Prepend(network).OfType<ScalarFreeBatchNorm2d>().ToArray(); // modules() leaves out the network itself
        if (norms.Length == 0) return;
        var random = new DeterministicRandom(StreamSeed(seed));
        var wasTraining = network.training;
        network.train();
        try
        {
            using var noGrad = torch.no_grad();
            for (var n = 0; n < batches; n++)
            {
                foreach (var norm in norms) norm.Momentum = 1.0 / (n + 1);
                using var pause = GcPause.Begin();
                using var scope = torch.NewDisposeScope();
                var (input, _) = TensorImages.ToBatch(sampler.NextBatch(random, batchSize), device);
                network.call(input);
            }
        }
        finally
        {
            foreach (var norm in norms) norm.Momentum = ScalarFreeBatchNorm2d.DefaultMomentum;
            network.train(wasTraining);
        }
    }
}
