using System.Diagnostics;
using HiNas.Imaging.Datasets;
using HiNas.Imaging.Randomness;
using HiNas.Search.Architecture;
using HiNas.Search.Checkpoints;
using HiNas.Search.Data;
using HiNas.Search.Evaluation;
using HiNas.Search.Genotypes;
using HiNas.Search.Losses;
using HiNas.Search.Runs;
using HiNas.Search.Runtime;
using HiNas.Search.Supernets;
using TorchSharp;
using static TorchSharp.torch;

namespace HiNas.Search.Searching;

/// <summary>
/// Runs a HiNAS search into a run folder: alternating first-order updates (after the warm-up, each step first
/// updates α/β on an a-train batch, then the weights on a w-train batch), cosine-annealed SGD for the weights,
/// validation PSNR, derivation and a checkpoint every epoch, events to events.jsonl and the callback.
/// Writes options.json, events.jsonl, checkpoints/ and, at the end, genotype.json.
/// </summary>
public sealed class Searcher
{
    public const string OptionsFile = "options.json";
    public const string EventsFile = "events.jsonl";
    public const string GenotypeFile = "genotype.json";

    private readonly SearchOptions _options;
    private readonly string _runDir;

    private Searcher(SearchOptions options, string runDir)
    {
        _options = options;
        _runDir = runDir;
    }

    /// <summary>Starts a new search in <paramref name="runDir"/> (which must not hold one already).</summary>
    public static Genotype Run(SearchOptions options, string runDir, IProgress<SearchEvent>? progress = null, CancellationToken cancellation = default)
    {
        options.Validate();
        var full = Path.GetFullPath(runDir);
        if (File.Exists(full)) throw new IOException($"run folder '{runDir}' is a file");
        if (File.Exists(Path.Combine(full, OptionsFile)))
            throw new IOException($"'{runDir}' already holds a search run; continue it with --resume or choose another --out");
        Directory.CreateDirectory(full);
        SearchOptionsJson.Save(options, Path.Combine(full, OptionsFile));
        return new Searcher(options, full).Execute(resume: false, progress, cancellation);
    }

    /// <summary>Continues the search in <paramref name="runDir"/> from its newest checkpoint, with its saved options.</summary>
    public static Genotype Resume(string runDir, IProgress<SearchEvent>? progress = null, CancellationToken cancellation = default)
    {
        var full = Path.GetFullPath(runDir);
        var optionsPath = Path.Combine(full, OptionsFile);
        if (!File.Exists(optionsPath)) throw new FileNotFoundException($"'{runDir}' is not a search run (no {OptionsFile})", optionsPath);
        return new Searcher(SearchOptionsJson.Load(optionsPath), full).Execute(resume: true, progress, cancellation);
    }

    private Genotype Execute(bool resume, IProgress<SearchEvent>? progress, CancellationToken cancellation)
    {
        var o = _options;
        TorchRuntime.EnsureInitialized(o.Threads);
        var device = TorchRuntime.SelectDevice(o.Device);
        torch.manual_seed((long)(o.Seed & 0x7FFF_FFFF_FFFF_FFFF));
        var task = o.Supernet.Task;

        var (train, validationImages) = o.Data.Load(task.Channels, o.Seed);
        if (train.Count < 2) throw new InvalidDataException($"the search needs at least 2 training images for the w-train/a-train split, got {train.Count}");
        var split = DatasetSplit.Create(train.Count, o.ArchitectSplit, o.Seed);
        var weightSampler = new PairSampler(split.First.Select(i => train[i]).ToArray(), task, o.Crop);
        var architectSampler = new PairSampler(split.Second.Select(i => train[i]).ToArray(), task, o.Crop);
        var validation = new ValidationSet(task, validationImages, o.Seed);

        using var network = new Supernet(o.Supernet);
        network.to(device);
        var loss = RestorationLoss.For(task);
        using var weightOptimizer = torch.optim.SGD(network.WeightParameters(), o.WeightLearningRate, momentum: o.Momentum, weight_decay: o.WeightDecay);
        using var architect = new Architect(network, loss, o.ArchitectLearningRate, o.ArchitectWeightDecay);

        var random = new DeterministicRandom(DeterministicRandom.Derive(o.Seed, 0xA11));
        var startEpoch = 0;
        var elapsedBefore = 0.0;
        if (resume)
        {
            var checkpoint = SearchCheckpoint.FindLatest(_runDir);
            if (checkpoint is not null)
            {
                var state = SearchCheckpoint.Load(checkpoint, network, weightOptimizer, architect.Optimizer);
                startEpoch = state.EpochsDone;
                elapsedBefore = state.ElapsedSeconds;
                random = DeterministicRandom.FromState(state.Random);
                network.to(device);
            }
        }

        using var events = new JsonLines(Path.Combine(_runDir, EventsFile));
        void Emit(SearchEvent e)
        {
            events.Append(e);
            progress?.Report(e);
        }

        var clock = Stopwatch.StartNew();
        var stepsThisRun = 0L;
        var totalSteps = (long)o.Epochs * o.StepsPerEpoch;
        double Elapsed() => elapsedBefore + clock.Elapsed.TotalSeconds;
        double Eta(long done) => stepsThisRun == 0 ? 0 : clock.Elapsed.TotalSeconds / stepsThisRun * (totalSteps - done);

        network.train();
        for (var epoch = startEpoch; epoch < o.Epochs; epoch++)
        {
            var learningRate = o.WeightLearningRateAt(epoch);
            foreach (var group in weightOptimizer.ParamGroups) group.LearningRate = learningRate;
            var searching = epoch >= o.Warmup;
            double weightLossSum = 0, architectLossSum = 0;
            for (var step = 0; step < o.StepsPerEpoch; step++)
            {
                cancellation.ThrowIfCancellationRequested();
                double? architectLoss = null;
                if (searching)
                {
                    using var scope = torch.NewDisposeScope();
                    var (aIn, aTarget) = TensorImages.ToBatch(Sample(architectSampler, random, o.Batch), device);
                    architectLoss = architect.Step(aIn, aTarget);
                    architectLossSum += architectLoss.Value;
                }
                double weightLoss;
                using (var scope = torch.NewDisposeScope())
                {
                    var (wIn, wTarget) = TensorImages.ToBatch(Sample(weightSampler, random, o.Batch), device);
                    weightOptimizer.zero_grad();
                    var value = loss.Compute(network.call(wIn), wTarget);
                    value.backward();
                    nn.utils.clip_grad_norm_(network.WeightParameters(), o.GradientClip);
                    weightOptimizer.step();
                    weightLoss = value.item<float>();
                }
                if (!double.IsFinite(weightLoss)) throw new InvalidOperationException($"the search diverged: weight loss {weightLoss} at epoch {epoch + 1} step {step + 1}");
                weightLossSum += weightLoss;
                stepsThisRun++;
                var done = (long)epoch * o.StepsPerEpoch + step + 1;
                Emit(new SearchEvent
                {
                    Kind = "step", Epoch = epoch + 1, Epochs = o.Epochs, Step = step + 1, StepsPerEpoch = o.StepsPerEpoch,
                    Phase = searching ? "search" : "warmup", LearningRate = learningRate, WeightLoss = weightLoss, ArchitectLoss = architectLoss,
                    ElapsedSeconds = Elapsed(), EtaSeconds = Eta(done),
                });
            }

            var psnr = validation.MeanPsnr(network, device);
            var genotype = network.Derive();
            SearchCheckpoint.Save(_runDir, network, weightOptimizer, architect.Optimizer,
                new SearchCheckpoint.State { EpochsDone = epoch + 1, Random = random.GetState(), ElapsedSeconds = Elapsed() });
            Emit(new SearchEvent
            {
                Kind = "epoch", Epoch = epoch + 1, Epochs = o.Epochs, Step = o.StepsPerEpoch, StepsPerEpoch = o.StepsPerEpoch,
                Phase = searching ? "search" : "warmup", LearningRate = learningRate,
                WeightLoss = weightLossSum / o.StepsPerEpoch, ArchitectLoss = searching ? architectLossSum / o.StepsPerEpoch : null,
                ValidationPsnr = psnr, Genotype = genotype.ToString(), ElapsedSeconds = Elapsed(),
                EtaSeconds = Eta((long)(epoch + 1) * o.StepsPerEpoch),
            });
        }

        var result = network.Derive();
        GenotypeJson.Save(result, Path.Combine(_runDir, GenotypeFile));
        Emit(new SearchEvent
        {
            Kind = "completed", Epoch = o.Epochs, Epochs = o.Epochs, Step = o.StepsPerEpoch, StepsPerEpoch = o.StepsPerEpoch,
            Phase = "done", LearningRate = o.WeightLearningRateAt(o.Epochs), Genotype = result.ToString(), ElapsedSeconds = Elapsed(), EtaSeconds = 0,
        });
        return result;
    }

    private static TrainingPair[] Sample(PairSampler sampler, DeterministicRandom random, int count)
    {
        var pairs = new TrainingPair[count];
        for (var i = 0; i < count; i++) pairs[i] = sampler.Next(random);
        return pairs;
    }
}
