using HiNas.Imaging.Datasets;
using HiNas.Imaging.Randomness;
using HiNas.Search.Architecture;
using HiNas.Search.Data;
using HiNas.Search.Evaluation;
using HiNas.Search.Losses;
using HiNas.Search.Networks;
using HiNas.Search.Runtime;
using HiNas.Search.Supernets;
using TorchSharp;
using static TorchSharp.torch;
using HiNas.Nas.Settings;
using HiNas.Nas.Latency;

namespace HiNas.Search.Searching;

/// <summary>
/// The live state of a search: data (w-train, a-train and validation images), the supernet on its device,
/// the weight optimiser, the architect and the sampling stream, with the two kinds of step.
/// </summary>
public sealed class SearchSession : IDisposable
{
    private readonly PairSampler _weightSampler;
    private readonly PairSampler _architectSampler;
    private readonly RestorationLoss _loss;

    public SearchSession(SearchOptions options)
    {
        options.Validate();
        Options = options;
        if (options.Latency is { } budget)
        {
            LatencyTable = LatencyTable.Load(budget.TablePath);
            Floor = LatencyFloor.Of(options.Supernet.Space, LatencyTable);
            if (Floor.Refuses(budget.BudgetMs, LatencyTable) is { } refusal) throw new SettingException("budget_ms", refusal);
        }
        TorchRuntime.EnsureInitialized(options.Threads);
        Device = TorchRuntime.SelectDevice(options.Device);
        var task = options.Supernet.Task;

        var (train, validationImages) = options.Data.Load(task.Channels, options.Seed);
        if (train.Count < 2) throw new InvalidDataException($"the search needs at least 2 training images for the w-train/a-train split, got {train.Count}");
        var split = DatasetSplit.Create(train.Count, options.ArchitectSplit, options.Seed);
        _weightSampler = new PairSampler(split.First.Select(i => train[i]).ToArray(), task, options.Crop);
        _architectSampler = new PairSampler(split.Second.Select(i => train[i]).ToArray(), task, options.Crop);
        var windows = validationImages.Select(image => image.CentreCrop(ValidationSide)).ToArray();
        Validation = new ValidationSet(task, windows, options.Seed);
        _selectionValidation = new Lazy<ValidationSet>(() => new ValidationSet(task, windows.Select(w => w.CentreCrop(SelectionSide)).ToArray(), options.Seed));

        Network = TorchRuntime.Seeded(options.Seed, () => new Supernet(options.Supernet));
        IdentityStart.Apply(Network.PredictionLayers);  // a resumed search then loads its checkpoint's weights over it
        StartEpoch(0);
        Network.to(Device);
        _loss = RestorationLoss.For(task, options.PixelLoss);
        WeightOptimizer = CreateWeightOptimizer(options, Network.WeightParameters());
        if (LatencyTable is not null) ExpectedLatency = new Latency.ExpectedLatency(options.Supernet, LatencyTable);
        Architect = new Architect(Network, _loss, options.ArchitectLearningRate, options.ArchitectWeightDecay,
            ExpectedLatency is null ? null : (ExpectedLatency, options.Latency!));
        Random = new DeterministicRandom(DeterministicRandom.Derive(options.Seed, 0xA11));
        Network.train();
    }

    /// <summary>Per epoch: the dropout masks restart from a seed of the epoch, so a resumed search draws the same ones.</summary>
    public void StartEpoch(int epoch) =>
        Network.SetDropout(Options.SkipDropout, Options.OperationDropout, DeterministicRandom.Derive(Options.Seed, 0xD20_0000UL + (ulong)epoch));

    /// <summary>
    /// The search validates on the central window of at most this many pixels a side of each validation image: the
    /// supernet runs every candidate of every edge at every width, and six photographs of 1024×683 took minutes an epoch.
    /// </summary>
    public const int ValidationSide = 256;

    /// <summary>
    /// The perturbation selection's validation windows (<see cref="PerturbationSelection"/>): it validates the supernet
    /// six times per edge (each operation out in turn), so at a quarter of <see cref="ValidationSide"/>'s pixels.
    /// </summary>
    public const int SelectionSide = 128;

    private readonly Lazy<ValidationSet> _selectionValidation;

    /// <summary>The central <see cref="SelectionSide"/>² of each validation image, degraded as <see cref="Validation"/>'s.</summary>
    public ValidationSet SelectionValidation => _selectionValidation.Value;

    public SearchOptions Options { get; }
    public Device Device { get; }
    public Supernet Network { get; }
    /// <summary>The weights' optimiser, as <see cref="SearchOptions.WeightOptimizer"/> names it.</summary>
    public optim.Optimizer WeightOptimizer { get; }
    public Architect Architect { get; }
    public ValidationSet Validation { get; }

    /// <summary>The table and the expected-latency model of a budgeted search; null otherwise.</summary>
    public LatencyTable? LatencyTable { get; }

    /// <summary>With a budget: the cheapest network of the space on the table (the budget is at least this).</summary>
    public LatencyFloor? Floor { get; }

    public Latency.ExpectedLatency? ExpectedLatency { get; }

    /// <summary>E[latency] in ms for the current α and β (null without a budget).</summary>
    public double? ExpectedLatencyMs()
    {
        if (ExpectedLatency is null) return null;
        using var pause = GcPause.Begin();
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        return ExpectedLatency.Of(Network).to(ScalarType.Float64).item<double>();
    }

    /// <summary>The stream that draws training patches; replaced when a checkpoint is restored.</summary>
    public DeterministicRandom Random { get; set; }

    public void SetWeightLearningRate(double learningRate)
    {
        foreach (var group in ((TorchSharp.Modules.OptimizerHelper)WeightOptimizer).ParamGroups) group.LearningRate = learningRate;
    }

    /// <summary>One first-order update of α and β on an a-train batch; returns its loss.</summary>
    public double ArchitectStep()
    {
        using var pause = GcPause.Begin();
        using var scope = torch.NewDisposeScope();
        var (input, target) = TensorImages.ToBatch(Sample(_architectSampler), Device);
        return Architect.Step(input, target);
    }

    private static optim.Optimizer CreateWeightOptimizer(SearchOptions o, IEnumerable<TorchSharp.Modules.Parameter> weights) => o.WeightOptimizer switch
    {
        WeightOptimizers.Adam => optim.Adam(weights, lr: o.WeightLearningRate, weight_decay: o.WeightDecay),
        _ => optim.SGD(weights, o.WeightLearningRate, momentum: o.Momentum, weight_decay: o.WeightDecay),
    };

    /// <summary>One update of the weights on a w-train batch (gradient norm clipped); returns its loss.</summary>
    public double WeightStep()
    {
        using var pause = GcPause.Begin();
        using var scope = torch.NewDisposeScope();
        var (input, target) = TensorImages.ToBatch(Sample(_weightSampler), Device);
        using var architecture = FrozenParameters.Of(Network.ArchitectureParameters());
        WeightOptimizer.zero_grad();
        var loss = _loss.Compute(Network.call(input), target);
        loss.backward();
        nn.utils.clip_grad_norm_(Network.WeightParameters(), Options.GradientClip);
        WeightOptimizer.step();
        var value = loss.item<float>();
        if (!float.IsFinite(value)) throw new InvalidOperationException($"the search diverged: the weight loss is {value}");
        return value;
    }

    private TrainingPair[] Sample(PairSampler sampler)
    {
        var pairs = new TrainingPair[Options.Batch];
        for (var i = 0; i < pairs.Length; i++) pairs[i] = sampler.Next(Random);
        return pairs;
    }

    public void Dispose()
    {
        Architect.Dispose();
        WeightOptimizer.Dispose();
        Network.Dispose();
    }
}
