using System.Diagnostics;
using HiNas.Imaging.Datasets;
using HiNas.Imaging.Randomness;
using HiNas.Search.Checkpoints;
using HiNas.Search.Data;
using HiNas.Search.Evaluation;
using HiNas.Search.Losses;
using HiNas.Search.Networks;
using HiNas.Search.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using HiNas.Nas.Runs;
using HiNas.Nas.Settings;

namespace HiNas.Search.Training;

/// <summary>
/// Trains a network (a derived genotype or a baseline) from scratch, starting as the identity restoration
/// (<see cref="IdentityStart"/>), or from an earlier run's best weights (<see cref="TrainOptions.InitFrom"/>): Adam with a cosine or poly schedule,
/// random crops with the 8 flips/rotations and fresh noise per sample, the task's loss, validation PSNR
/// every N iterations (BatchNorm statistics recalibrated first, <see cref="BatchNormRecalibration"/>) with the best weights kept (best/model.bin), a resumable checkpoint at each validation,
/// events to events.jsonl and the callback, and cancellation between iterations. The network module only
/// computes; everything about optimisation lives here.
/// </summary>
public sealed class Trainer
{

    private readonly TrainOptions _options;
    private readonly string _trainDir;

    private Trainer(TrainOptions options, string trainDir)
    {
        _options = options;
        _trainDir = trainDir;
    }

    /// <summary>Starts a new training run in <paramref name="trainDir"/> (which must not hold one already).</summary>
    public static TrainSummary Run(TrainOptions options, string trainDir, IProgress<TrainEvent>? progress = null, CancellationToken cancellation = default)
    {
        options.Validate();
        var full = Path.GetFullPath(trainDir);
        if (File.Exists(full)) throw new IOException($"training folder '{trainDir}' is a file");
        if (File.Exists(Path.Combine(full, TrainRun.OptionsFile)))
            throw new IOException($"'{trainDir}' already holds a training run; resume it, or start in another run folder");
        var data = LoadData(options);
        if (options.InitFrom is { } source)
        {
            // the source's weights must fit this run's network before the run folder exists
            using var probe = TorchRuntime.Seeded(options.Seed, () => options.BuildNetwork());
            LoadInitialWeights(probe, source);
        }
        Directory.CreateDirectory(full);
        TrainOptionsJson.Save(options, Path.Combine(full, TrainRun.OptionsFile));
        return new Trainer(options, full).Execute(data, resume: false, progress, cancellation);
    }

    /// <summary>Continues the training run in <paramref name="trainDir"/> from its newest checkpoint.</summary>
    public static TrainSummary Resume(string trainDir, IProgress<TrainEvent>? progress = null, CancellationToken cancellation = default)
    {
        var full = Path.GetFullPath(trainDir);
        var optionsPath = Path.Combine(full, TrainRun.OptionsFile);
        if (!File.Exists(optionsPath)) throw new FileNotFoundException($"'{trainDir}' is not a training run (no {TrainRun.OptionsFile})", optionsPath);
        var options = TrainOptionsJson.Load(optionsPath);
        return new Trainer(options, full).Execute(LoadData(options), resume: true, progress, cancellation);
    }

    /// <summary>A fine-tune's starting weights: the best of the run in <paramref name="source"/> (<see cref="TrainOptions.InitFrom"/>).</summary>
    private static void LoadInitialWeights(nn.Module network, string source)
    {
        string weights;
        try
        {
            weights = TrainedModel.BestWeightsOf(source);
        }
        catch (FileNotFoundException e)
        {
            throw new FileNotFoundException($"init_from: {e.Message} (a fine-tune starts from that run's best weights)", e.FileName, e);
        }
        TrainedModel.LoadWeights(network, weights, $"this run's network (a fine-tune trains the network of the run it starts from, '{source}')");
    }

    internal sealed record TrainData(PairSampler Sampler, ValidationSet Validation, Device Device);

    internal static TrainData LoadData(TrainOptions options)
    {
        TorchRuntime.EnsureInitialized(options.Threads);
        var device = TorchRuntime.SelectDevice(options.Device);
        var (train, validation) = options.Data.Load(options.Task.Channels, options.Seed);
        var range = options.NoiseSigmaRange is { } r ? (r[0], r[1]) : ((double, double)?)null;
        return new TrainData(new PairSampler(train, options.Task, options.Crop, noiseRange: range, noiseMap: options.NoiseMap), new ValidationSet(options.Task, validation, options.Seed, options.NoiseMap), device);
    }

    private TrainSummary Execute(TrainData data, bool resume, IProgress<TrainEvent>? progress, CancellationToken cancellation)
    {
        var o = _options;
        var device = data.Device;
        using var network = TorchRuntime.Seeded(o.Seed, () => o.BuildNetwork());
        network.to(device);
        using var optimizer = torch.optim.Adam(network.parameters(), lr: o.LearningRate);
        var loss = RestorationLoss.For(o);
        var random = new DeterministicRandom(DeterministicRandom.Derive(o.Seed, 0x7A1));
        var state = new TrainCheckpoint.State();
        var elapsedBefore = 0.0;
        if (resume && TrainCheckpoint.FindLatest(_trainDir) is { } checkpoint)
        {
            state = TrainCheckpoint.Load(checkpoint, network, optimizer);
            elapsedBefore = state.ElapsedSeconds;
            network.to(device);
            random = DeterministicRandom.FromState(state.Random);
        }
        var fromSource = false;
        if (state.IterationsDone == 0 && o.InitFrom is { } source)
        {
            LoadInitialWeights(network, source);
            network.to(device);
            fromSource = true;
        }
        else if (state.IterationsDone == 0) IdentityStart.Apply((IRestorationNetwork)network);

        var trainingStep = new TrainingStep(network, optimizer, loss, data.Sampler, o.Batch, device);
        using var events = new JsonLines(Path.Combine(_trainDir, TrainRun.EventsFile));
        var clock = Stopwatch.StartNew();
        var iterationsThisRun = 0;
        double Elapsed() => elapsedBefore + clock.Elapsed.TotalSeconds;
        double Eta(int done) => iterationsThisRun == 0 ? 0 : clock.Elapsed.TotalSeconds / iterationsThisRun * (o.Iterations - done);

        network.train();
        var best = state.BestPsnr;
        var bestIteration = state.BestIteration;
        void Validated(int done, double learningRate, double psnr)
        {
            var validation = new TrainEvent
            {
                Kind = "validation", Iteration = done, Iterations = o.Iterations, LearningRate = learningRate, ValidationPsnr = psnr,
                BestPsnr = best, BestIteration = bestIteration, ElapsedSeconds = Elapsed(), EtaSeconds = Eta(done),
            };
            events.Append(validation);
            progress?.Report(validation);
        }
        // validation sees the weights as they are: BatchNorm statistics recalibrated on training batches first
        double Validate()
        {
            BatchNormRecalibration.Run(network, data.Sampler, o.Batch, o.Seed, device);
            return data.Validation.MeanPsnr(network, device);
        }
        if (fromSource)
        {
            // a fine-tune keeps the weights it starts from until it beats them (iteration 0): it never ends worse
            best = Validate();
            bestIteration = 0;
            SaveBest(network);
            Validated(0, o.LearningRateAt(0), best);
        }
        for (var iteration = state.IterationsDone; iteration < o.Iterations; iteration++)
        {
            cancellation.ThrowIfCancellationRequested();
            var learningRate = o.LearningRateAt(iteration);
            foreach (var group in optimizer.ParamGroups) group.LearningRate = learningRate;
            var value = trainingStep.Run(random);
            if (!double.IsFinite(value)) throw new InvalidOperationException($"training diverged: loss {value} at iteration {iteration + 1}");
            iterationsThisRun++;
            var done = iteration + 1;
            var step = new TrainEvent
            {
                Kind = "step", Iteration = done, Iterations = o.Iterations, LearningRate = learningRate, Loss = value,
                ElapsedSeconds = Elapsed(), EtaSeconds = Eta(done),
            };
            if (done % 10 == 0) events.Append(step);
            progress?.Report(step);

            if (done % o.ValidateEvery == 0 || done == o.Iterations)
            {
                var psnr = Validate();
                if (psnr > best)
                {
                    best = psnr;
                    bestIteration = done;
                    SaveBest(network);
                }
                state = new TrainCheckpoint.State
                {
                    IterationsDone = done, Random = random.GetState(), BestPsnr = best, BestIteration = bestIteration, ElapsedSeconds = Elapsed(),
                };
                TrainCheckpoint.Save(_trainDir, network, optimizer, state);
                Validated(done, learningRate, psnr);
            }
        }

        var cost = NetworkCost.Of(network, o.Task);
        var summary = new TrainSummary
        {
            RunName = o.RunName,
            Architecture = o.Architecture.ToString(),
            Network = ((IRestorationNetwork)network).Describe(),
            Parameters = cost.Parameters,
            FlopsPerMegapixel = cost.FlopsPerMegapixel,
            BestValidationPsnr = best,
            BestIteration = bestIteration,
            Iterations = o.Iterations,
            TrainingSeconds = Elapsed(),
        };
        RunFiles.WriteJsonAtomic(Path.Combine(_trainDir, TrainRun.SummaryFile), summary);
        var completed = new TrainEvent
        {
            Kind = "completed", Iteration = o.Iterations, Iterations = o.Iterations, LearningRate = o.LearningRateAt(o.Iterations),
            BestPsnr = best, BestIteration = bestIteration, ElapsedSeconds = Elapsed(), EtaSeconds = 0,
        };
        events.Append(completed);
        progress?.Report(completed);
        return summary;
    }

    private void SaveBest(nn.Module network) => RunFiles.WriteAtomic(Path.Combine(_trainDir, TrainRun.BestModelFile), stream => network.save(stream));
}
