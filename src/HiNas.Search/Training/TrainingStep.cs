using HiNas.Imaging.Datasets;
using HiNas.Imaging.Randomness;
using HiNas.Search.Data;
using HiNas.Search.Losses;
using HiNas.Search.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace HiNas.Search.Training;

/// <summary>
/// One optimisation step of a training: a batch of fresh pairs from the sampler, the task's loss, backward and the
/// optimiser's update, inside a GC pause and a dispose scope. The one step <see cref="Trainer"/> and
/// <see cref="TrainProfiler"/> both run.
/// </summary>
public sealed class TrainingStep
{
    private readonly nn.Module<Tensor, Tensor> _network;
    private readonly optim.Optimizer _optimizer;
    private readonly RestorationLoss _loss;
    private readonly PairSampler _sampler;
    private readonly int _batch;
    private readonly Device _device;

    public TrainingStep(nn.Module<Tensor, Tensor> network, optim.Optimizer optimizer, RestorationLoss loss, PairSampler sampler, int batch, Device device)
    {
        _network = network;
        _optimizer = optimizer;
        _loss = loss;
        _sampler = sampler;
        _batch = batch;
        _device = device;
    }

    /// <summary>Runs one step with patches drawn from <paramref name="random"/>; returns the loss (before the update).</summary>
    public double Run(DeterministicRandom random)
    {
        using var pause = GcPause.Begin();
        using var scope = torch.NewDisposeScope();
        var (input, target) = TensorImages.ToBatch(_sampler.NextBatch(random, _batch), _device);
        _optimizer.zero_grad();
        var objective = _loss.Compute(_network.call(input), target);
        objective.backward();
        _optimizer.step();
        return objective.item<float>();
    }
}
