using HiNas.Imaging.Datasets;
using HiNas.Imaging.Randomness;
using HiNas.Search.Architecture;
using HiNas.Search.Checkpoints;
using HiNas.Search.Data;
using HiNas.Search.Evaluation;
using HiNas.Search.Losses;
using HiNas.Search.Networks;
using HiNas.Search.Operations;
using HiNas.Search.Runtime;
using HiNas.Search.Supernets;
using TorchSharp;
using static TorchSharp.torch;
using HiNas.Nas.Settings;
using HiNas.Nas.Latency;
using HiNas.Nas.Runs;
using HiNas.Nas.Genotypes;

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
        if (LatencyTable is not null && !options.IsSinglePath) ExpectedLatency = new Latency.ExpectedLatency(options.Supernet, LatencyTable);
        Architect = new Architect(Network, _loss, options.ArchitectLearningRate, options.ArchitectWeightDecay,
            ExpectedLatency is null ? null : (ExpectedLatency, options.Latency!));
        Random = new DeterministicRandom(DeterministicRandom.Derive(options.Seed, 0xA11));
        Network.train();
    }

    /// <summary>A search run's session at its newest checkpoint: the trained supernet, to measure after the search.</summary>
    /// <exception cref="FileNotFoundException">the folder is not a search run, or its checkpoints are gone</exception>
    public static SearchSession OpenTrained(string runDir)
    {
        var optionsPath = Path.Combine(runDir, SearchRun.OptionsFile);
        if (!File.Exists(optionsPath)) throw new FileNotFoundException($"'{runDir}' is not a search run (no {SearchRun.OptionsFile})", optionsPath);
        var checkpoint = SearchCheckpoint.FindLatest(runDir)
            ?? throw new FileNotFoundException($"'{runDir}' has no checkpoint to measure (a finished search run by the scripts drops its {SearchRun.CheckpointsFolder}/)");
        var session = new SearchSession(SearchOptionsJson.Load(optionsPath));
        try
        {
            SearchCheckpoint.Load(checkpoint, session.Network, session.WeightOptimizer, session.Architect.Optimizer);
            session.Network.to(session.Device);
            return session;
        }
        catch
        {
            session.Dispose();
            throw;
        }
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

    /// <summary>
    /// One update of the weights on a w-train batch (gradient norm clipped); returns its loss. With
    /// <paramref name="drawNetwork"/> (a single-path search after its warm-up: <see cref="SearchOptions.IsSinglePath"/>)
    /// it trains one network drawn from the stream (<see cref="DrawSubnetwork"/>): the weights that network does not run
    /// have no gradient, and the optimiser leaves them (and their moments) as they are.
    /// </summary>
    public double WeightStep(bool drawNetwork = false)
    {
        using var pause = GcPause.Begin();
        using var scope = torch.NewDisposeScope();
        var drawn = drawNetwork ? DrawSubnetwork(Random) : null;  // drawn first, then the batch
        var (input, target) = TensorImages.ToBatch(Sample(_weightSampler), Device);
        using var architecture = FrozenParameters.Of(Network.ArchitectureParameters());
        if (drawn is not null) Network.SetSubnetwork(drawn);
        try
        {
            if (drawn is not null) Network.zero_grad(set_to_none: true);
            else WeightOptimizer.zero_grad();
            var loss = _loss.Compute(Network.call(input), target);
            loss.backward();
            nn.utils.clip_grad_norm_(Network.WeightParameters(), Options.GradientClip);
            WeightOptimizer.step();
            var value = loss.item<float>();
            if (!float.IsFinite(value)) throw new InvalidOperationException($"the search diverged: the weight loss is {value}");
            return value;
        }
        finally
        {
            if (drawn is not null) Network.SetSubnetwork(null);
        }
    }

    /// <summary>
    /// A network of the space drawn uniformly (<see cref="RandomGenotype"/>'s cells; with tied cells, its first cell in
    /// every layer) on a width path the supernet runs on its own (<see cref="Supernet.DrawRunnablePath"/>); with a
    /// latency budget, uniformly among those the table predicts within it and its band (drawn again until one is: SPOS's
    /// constrained sampling), so the weights are trained, and the networks ranked, where the budget lets the search look.
    /// </summary>
    /// <exception cref="SettingException">(budget_ms) none of <see cref="BudgetAdmission.MaxDraws"/> draws is within the budget</exception>
    public Genotype DrawSubnetwork(DeterministicRandom random)
    {
        for (var draw = 1; ; draw++)
        {
            var drawn = RandomGenotype.Sample(Options.Supernet.Space, random.NextUInt64()).OnWidthPath(Network.DrawRunnablePath(random));
            if (Options.Supernet.TieCells) drawn = drawn.WithCells(Enumerable.Repeat(drawn.Cells[0], drawn.Layers).ToArray());
            if (Options.Latency is not { } budget || budget.Admits(NetworkLatency.Predict(drawn, LatencyTable!))) return drawn;
            if (draw == BudgetAdmission.MaxDraws)
                throw budget.Band > 0
                    ? new SettingException("budget_band", FormattableString.Invariant(
                        $"none of {BudgetAdmission.MaxDraws:N0} networks drawn from the space is predicted within {budget.AdmittedRange()} ({budget.Band} of the budget and up; the space's floor: {Floor!.Milliseconds:F1} ms predicted); give a lower band or another budget"))
                    : new SettingException("budget_ms", FormattableString.Invariant(
                        $"none of {BudgetAdmission.MaxDraws:N0} networks drawn from the space is predicted within {budget.AdmittedRange()} (the space's floor: {Floor!.Milliseconds:F1} ms predicted); give a larger budget"));
        }
    }

    /// <summary>The networks a single-path search validates each epoch (their mean PSNR): drawn once from the search's seed.</summary>
    public const int ReferenceNetworks = 4;

    /// <summary>Training batches each network's BatchNorm statistics are recalibrated on before it is validated.</summary>
    public const int RecalibrationBatches = BatchNormRecalibration.Batches;

    /// <summary>
    /// A single-path search's validation PSNR: the mean of <see cref="ReferenceNetworks"/> fixed drawn networks run alone,
    /// each recalibrated — what the weights are worth to the networks the search will rank.
    /// </summary>
    public double SubnetworkValidationPsnr()
    {
        var random = new DeterministicRandom(DeterministicRandom.Derive(Options.Seed, 0x4EF5));
        var sum = 0.0;
        for (var i = 0; i < ReferenceNetworks; i++) sum += SubnetworkPsnr(DrawSubnetwork(random), RecalibrationBatches);
        return sum / ReferenceNetworks;
    }

    /// <summary>
    /// The validation PSNR of <paramref name="network"/> run alone on the supernet (<see cref="Supernet.SetSubnetwork"/>),
    /// its BatchNorm statistics recalibrated on <paramref name="batches"/> training batches; the whole supernet runs
    /// again afterwards, with that network's statistics.
    /// </summary>
    /// <exception cref="ArgumentException">(parameter `genotype`) the supernet cannot run the network on its own</exception>
    public double SubnetworkPsnr(Genotype network, int batches)
    {
        Network.SetSubnetwork(network);
        try
        {
            RecalibrateBatchNorm(batches);
            return Validation.MeanPsnr(Network, Device);
        }
        finally
        {
            Network.SetSubnetwork(null);
        }
    }

    /// <summary>
    /// Recalibrates the BatchNorm statistics of the network <see cref="Supernet.SetSubnetwork"/> set on
    /// <paramref name="batches"/> w-train batches (<see cref="BatchNormRecalibration"/>, seeded by the search's seed): its
    /// features are not distributed as the mixture's its statistics were gathered on (a sub-network has no dropout).
    /// </summary>
    public void RecalibrateBatchNorm(int batches)
    {
        if (Network.Subnetwork is null) throw new InvalidOperationException("recalibration is for a sub-network of the supernet: set one first");
        BatchNormRecalibration.Run(Network, _weightSampler, Options.Batch, Options.Seed, Device, batches);
    }

    private TrainingPair[] Sample(PairSampler sampler) => sampler.NextBatch(Random, Options.Batch);

    public void Dispose()
    {
        Architect.Dispose();
        WeightOptimizer.Dispose();
        Network.Dispose();
    }
}
