using HiNas.Search.Losses;
using HiNas.Search.Runtime;
using HiNas.Search.Supernets;
using TorchSharp;
using static TorchSharp.torch;
using HiNas.Nas.Settings;
using HiNas.Nas.Latency;
using HiNas.Search.Latency;

namespace HiNas.Search.Architecture;

/// <summary>
/// Owns the architecture parameters' optimiser (Adam on α and β, β1 = 0.5 as in DARTS) and the
/// first-order update: the loss of the current network on an a-train batch, differentiated w.r.t. α and β
/// only (the weights' gradients are switched off for it, <see cref="FrozenParameters"/>).
/// </summary>
public sealed class Architect : IDisposable
{
    private readonly Supernet _network;
    private readonly RestorationLoss _loss;
    private readonly (Latency.ExpectedLatency Model, LatencyObjective Objective)? _latency;

    /// <param name="latency">
    /// With a budget: the loss gains <see cref="LatencyObjective.Penalty(Tensor)"/> of the latency, valued at the
    /// derived network's prediction and differentiated through E[latency] (straight-through).
    /// </param>
    public Architect(Supernet network, RestorationLoss loss, double learningRate, double weightDecay,
        (Latency.ExpectedLatency Model, LatencyObjective Objective)? latency = null)
    {
        _network = network;
        _loss = loss;
        _latency = latency;
        LatencyCalibration = latency?.Objective.Calibration ?? 1.0;
        Optimizer = torch.optim.Adam(network.ArchitectureParameters(), lr: learningRate, beta1: 0.5, beta2: 0.999, weight_decay: weightDecay);
    }

    public TorchSharp.Modules.Adam Optimizer { get; }

    /// <summary>
    /// Measured over predicted latency of the derived network, as the search last measured it on the table's
    /// machine (until then the objective's <see cref="LatencyObjective.Calibration"/>, or 1): the penalty's value is the
    /// prediction times this, so the search aims at what ONNX Runtime measures, not at the table's sum of parts.
    /// </summary>
    public double LatencyCalibration { get; set; }

    /// <summary>One first-order step on (input, target); returns the architecture loss.</summary>
    public double Step(Tensor input, Tensor target)
    {
        using var scope = torch.NewDisposeScope();
        using var weights = FrozenParameters.Of(_network.WeightParameters());
        Optimizer.zero_grad();
        var loss = _loss.Compute(_network.call(input), target);
        if (_latency is var (model, objective))
        {
            // Straight-through: the penalty takes the value of the network the derivation would give now (its exact
            // prediction) and the gradient of the expectation. In a short search α stays near uniform, so the soft
            // expectation stays far from what the argmax derives; judged by it the penalty kept pushing after the
            // derived network had fallen to all skip connections.
            var soft = model.Of(_network);
            var derived = LatencyCalibration * NetworkLatency.Predict(_network.Derive(), model.Table);
            loss = loss + objective.Penalty(soft + (derived - soft.detach().to(ScalarType.Float64).item<double>()));
        }
        loss.backward();
        Optimizer.step();
        _network.zero_grad();
        return loss.item<float>();
    }

    public void Dispose() => Optimizer.Dispose();
}
