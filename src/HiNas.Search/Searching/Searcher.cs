using System.Diagnostics;
using TorchSharp;
using HiNas.Imaging.Randomness;
using HiNas.Search.Checkpoints;
using HiNas.Nas.Genotypes;
using HiNas.Nas.Runs;
using HiNas.Nas.Settings;
using HiNas.Nas.Latency;

namespace HiNas.Search.Searching;

/// <summary>
/// Runs a HiNAS search into a run folder: alternating first-order updates (after the warm-up, each step first
/// updates α/β on an a-train batch, then the weights on a w-train batch), the weights by cosine-annealed SGD or Adam (<see cref="SearchOptions.WeightOptimizer"/>),
/// validation PSNR, derivation and a checkpoint every epoch, events to events.jsonl and the callback.
/// Writes options.json, events.jsonl, checkpoints/, genotype-best.json whenever the validation PSNR of an epoch in the
/// selection window (<see cref="SearchRun.InSelectionWindow"/>) is the best so far, and at the end genotype-last.json and
/// genotype.json: the best-validation genotype when there is one, else the last. A budgeted search keeps the last: its
/// penalty has steered α and β toward the budget epoch by epoch, and an earlier, better network may not meet it.
/// A single-path search (<see cref="SearchOptions.IsSinglePath"/>) trains the mixture's weights in its warm-up, then one
/// drawn network per step with no α/β steps, validates drawn networks (<see cref="SearchSession.SubnetworkValidationPsnr"/>)
/// and ends by ranking drawn networks (<see cref="NetworkRanking"/>): genotype.json is the best, without α and β.
/// </summary>
public sealed class Searcher
{

    private readonly SearchOptions _options;
    private readonly string _runDir;
    private readonly Func<Genotype, double>? _measureLatency;

    private Searcher(SearchOptions options, string runDir, Func<Genotype, double>? measureLatency)
    {
        _options = options;
        _runDir = runDir;
        _measureLatency = options.Latency is null ? null : measureLatency;
    }

    /// <summary>Starts a new search in <paramref name="runDir"/> (which must not hold one already).</summary>
    /// <param name="measureLatency">
    /// Budgeted searches on the latency table's machine: measures a genotype's latency (ms) there. The network each
    /// searching epoch derives is measured, and the measured/predicted ratio calibrates the next epoch's penalty.
    /// </param>
    public static Genotype Run(SearchOptions options, string runDir, IProgress<SearchEvent>? progress = null, CancellationToken cancellation = default,
        Func<Genotype, double>? measureLatency = null)
    {
        options.Validate();
        var full = Path.GetFullPath(runDir);
        if (File.Exists(full)) throw new IOException($"run folder '{runDir}' is a file");
        if (File.Exists(Path.Combine(full, SearchRun.OptionsFile)))
            throw new IOException($"'{runDir}' already holds a search run; resume it, or start in another run folder");
        // The session loads the data and picks the device first, so bad data or a missing device leave no run folder behind.
        using var session = new SearchSession(options);
        Directory.CreateDirectory(full);
        SearchOptionsJson.Save(options, Path.Combine(full, SearchRun.OptionsFile));
        return new Searcher(options, full, measureLatency).Execute(session, resume: false, progress, cancellation);
    }

    /// <summary>Continues the search in <paramref name="runDir"/> from its newest checkpoint, with its saved options.</summary>
    public static Genotype Resume(string runDir, IProgress<SearchEvent>? progress = null, CancellationToken cancellation = default,
        Func<Genotype, double>? measureLatency = null)
    {
        var full = Path.GetFullPath(runDir);
        var optionsPath = Path.Combine(full, SearchRun.OptionsFile);
        if (!File.Exists(optionsPath)) throw new FileNotFoundException($"'{runDir}' is not a search run (no {SearchRun.OptionsFile})", optionsPath);
        var options = SearchOptionsJson.Load(optionsPath);
        using var session = new SearchSession(options);
        return new Searcher(options, full, measureLatency).Execute(session, resume: true, progress, cancellation);
    }

    /// <summary>The epoch's phase: the warm-up (the mixture's weights only), then α/β steps, or single-path steps.</summary>
    private string Phase(int epoch) => epoch < _options.Warmup ? "warmup" : _options.IsSinglePath ? SupernetTrainings.SinglePath : "search";

    private Genotype Execute(SearchSession session, bool resume, IProgress<SearchEvent>? progress, CancellationToken cancellation)
    {
        var o = _options;
        var startEpoch = 0;
        var elapsedBefore = 0.0;
        double? bestPsnr = null;
        int? bestEpoch = null;
        string? bestGenotype = null;
        if (resume && SearchCheckpoint.FindLatest(_runDir) is { } checkpoint)
        {
            var state = SearchCheckpoint.Load(checkpoint, session.Network, session.WeightOptimizer, session.Architect.Optimizer);
            session.Network.to(session.Device);
            startEpoch = state.EpochsDone;
            elapsedBefore = state.ElapsedSeconds;
            session.Random = DeterministicRandom.FromState(state.Random);
            session.Architect.LatencyCalibration = state.LatencyCalibration;
            (bestPsnr, bestEpoch, bestGenotype) = (state.BestValidationPsnr, state.BestEpoch, state.BestGenotype);
        }

        using var events = new JsonLines(Path.Combine(_runDir, SearchRun.EventsFile));
        void Emit(SearchEvent e)
        {
            events.Append(e);
            progress?.Report(e);
        }

        var clock = Stopwatch.StartNew();
        var totalSteps = o.StepsBefore(o.Epochs);
        double Elapsed() => elapsedBefore + clock.Elapsed.TotalSeconds;
        var pace = new SearchPace(o.IsSinglePath ? o.StepsBefore(o.Warmup) : totalSteps, totalSteps);
        double Eta(long done) => pace.SecondsLeft(done);

        for (var epoch = startEpoch; epoch < o.Epochs; epoch++)
        {
            var learningRate = o.WeightLearningRateAt(epoch);
            session.SetWeightLearningRate(learningRate);
            session.StartEpoch(epoch);
            var searching = !o.IsSinglePath && epoch >= o.Warmup;
            var singlePath = o.IsSinglePath && epoch >= o.Warmup;
            double weightLossSum = 0, architectLossSum = 0;
            var steps = o.StepsIn(epoch);
            var before = o.StepsBefore(epoch);
            for (var step = 0; step < steps; step++)
            {
                cancellation.ThrowIfCancellationRequested();
                double? architectLoss = searching ? session.ArchitectStep() : null;
                architectLossSum += architectLoss ?? 0;
                var weightLoss = session.WeightStep(drawNetwork: singlePath);
                weightLossSum += weightLoss;
                pace.Stepped(singlePath, clock.Elapsed.TotalSeconds);
                Emit(new SearchEvent
                {
                    Kind = "step", Epoch = epoch + 1, Epochs = o.Epochs, Step = step + 1, StepsPerEpoch = steps,
                    CompletedSteps = before + step + 1, TotalSteps = totalSteps,
                    Phase = Phase(epoch), LearningRate = learningRate, WeightLoss = weightLoss, ArchitectLoss = architectLoss,
                    ElapsedSeconds = Elapsed(), EtaSeconds = Eta(before + step + 1),
                });
            }

            var psnr = singlePath ? session.SubnetworkValidationPsnr() : session.Validation.MeanPsnr(session.Network, session.Device);
            // a single-path search trains no α or β: its network comes from the ranking at the end
            var genotype = o.IsSinglePath ? null : session.Network.Derive();
            var predicted = session.LatencyTable is { } table && genotype is not null ? NetworkLatency.Predict(genotype, table) : (double?)null;
            double? measured = null;
            // from the last warm-up epoch on (the first architecture step uses it): what the table misses, measured
            if (_measureLatency is not null && epoch + 1 >= o.Warmup && predicted > 0)
            {
                measured = _measureLatency(genotype!);
                session.Architect.LatencyCalibration = measured.Value / predicted.Value;
            }
            var improved = genotype is not null && o.Latency is null && SearchRun.InSelectionWindow(epoch + 1, o.Epochs, o.Warmup) && double.IsFinite(psnr)
                && (bestPsnr is null || psnr > bestPsnr);
            if (improved) (bestPsnr, bestEpoch, bestGenotype) = (psnr, epoch + 1, GenotypeJson.Serialize(genotype!));
            SearchCheckpoint.Save(_runDir, session.Network, session.WeightOptimizer, session.Architect.Optimizer,
                new SearchCheckpoint.State
                {
                    EpochsDone = epoch + 1, Random = session.Random.GetState(), ElapsedSeconds = Elapsed(),
                    LatencyCalibration = session.Architect.LatencyCalibration,
                    BestValidationPsnr = bestPsnr, BestEpoch = bestEpoch, BestGenotype = bestGenotype,
                });
            if (improved) GenotypeJson.Save(genotype!, Path.Combine(_runDir, SearchRun.BestGenotypeFile));
            pace.EpochEnded(singlePath, clock.Elapsed.TotalSeconds);
            Emit(new SearchEvent
            {
                Kind = "epoch", Epoch = epoch + 1, Epochs = o.Epochs, Step = steps, StepsPerEpoch = steps,
                CompletedSteps = before + steps, TotalSteps = totalSteps,
                Phase = Phase(epoch), LearningRate = learningRate,
                WeightLoss = weightLossSum / steps, ArchitectLoss = searching ? architectLossSum / steps : null,
                ValidationPsnr = psnr, Genotype = genotype?.ToString(), ElapsedSeconds = Elapsed(),
                EtaSeconds = Eta(before + steps),
                ExpectedLatencyMs = session.ExpectedLatencyMs(), BudgetMs = o.Latency?.BudgetMs, DerivedLatencyMs = predicted,
                MeasuredLatencyMs = measured, LatencyCalibration = measured is null ? null : session.Architect.LatencyCalibration,
                AlphaEntropy = genotype?.AlphaEntropy, BetaEntropy = genotype?.BetaEntropy,
                OperationShares = genotype?.OperationShares,
            });
        }

        Genotype result;
        if (o.IsSinglePath)
        {
            cancellation.ThrowIfCancellationRequested();
            result = NetworkRanking.Rank(session, _runDir, o.RankedNetworks, NetworkRanking.DefaultBatches, cancellation: cancellation).Best;
        }
        else
        {
            var last = session.Network.Derive();
            GenotypeJson.Save(last, Path.Combine(_runDir, SearchRun.LastGenotypeFile));
            result = bestGenotype is not null ? GenotypeJson.Deserialize(bestGenotype, "the best-validation genotype") : last;
            if (bestGenotype is not null) GenotypeJson.Save(result, Path.Combine(_runDir, SearchRun.BestGenotypeFile));
        }
        GenotypeJson.Save(result, Path.Combine(_runDir, SearchRun.GenotypeFile));
        var lastSteps = o.StepsIn(o.Epochs - 1);
        if (o.Latency is { } objective) BudgetReport.For(result, session.LatencyTable!, objective, session.Floor!, _runDir);
        Emit(new SearchEvent
        {
            Kind = "completed", Epoch = o.Epochs, Epochs = o.Epochs, Step = lastSteps, StepsPerEpoch = lastSteps,
            CompletedSteps = totalSteps, TotalSteps = totalSteps,
            Phase = "done", LearningRate = o.WeightLearningRateAt(o.Epochs), Genotype = result.ToString(), ElapsedSeconds = Elapsed(), EtaSeconds = 0,
            ChosenEpoch = bestEpoch ?? o.Epochs, AlphaEntropy = result.AlphaEntropy, BetaEntropy = result.BetaEntropy,
            Warning = ArchitectureEntropy.UndecidedWidthPath(result),
            OperationShares = result.OperationShares,
        });
        return result;
    }
}
