using System.Text;
using Grpc.Core;
using HiNas.Imaging.Tasks;
using HiNas.Protocol.V1;
using HiNas.Search.Data;
using HiNas.Search.Genotypes;
using HiNas.Search.Networks;
using HiNas.Search.Searching;
using HiNas.Search.Training;
using HiNas.Server.Hosting;
using HiNas.Server.Rpc;

namespace HiNas.Server.Jobs;

/// <summary>
/// Job requests → the resolved options the `hinas` worker runs with, on the same defaults as `hinas search` and
/// `hinas train`. Every check of the options runs here, so a bad field is refused when the job is started
/// (INVALID_ARGUMENT naming it), not minutes later.
/// </summary>
public sealed class JobRequests(DataRoots roots, JobOptions jobOptions)
{
    private const uint MaxCount = 100_000_000;

    public static RestorationTask ResolveTask(TaskSpec? spec)
    {
        if (spec is null || string.IsNullOrEmpty(spec.Kind)) throw RpcErrors.Invalid("task.kind", "is empty; give denoise or sr");
        var channels = spec.Channels == 0 ? (spec.Kind == "denoise" ? 1 : 3) : (int)Math.Min(spec.Channels, 1000);
        if (channels is not (1 or 3)) throw RpcErrors.Invalid("task.channels", $"must be 1 or 3, got {spec.Channels}");
        switch (spec.Kind)
        {
            case "denoise":
                if (spec.Scale != 0) throw RpcErrors.Invalid("task.scale", "is for sr");
                var sigma = spec.Sigma == 0 ? 25 : spec.Sigma;
                if (!double.IsFinite(sigma) || sigma <= 0 || sigma > 255) throw RpcErrors.Invalid("task.sigma", $"must be in (0, 255], got {spec.Sigma}");
                return RestorationTask.Denoise(sigma, channels);
            case "sr":
                if (spec.Sigma != 0) throw RpcErrors.Invalid("task.sigma", "is for denoise");
                var scale = spec.Scale == 0 ? 2 : spec.Scale;
                if (scale is < 2 or > 4) throw RpcErrors.Invalid("task.scale", $"must be 2, 3 or 4, got {spec.Scale}");
                return RestorationTask.SuperResolution((int)scale, channels);
            default:
                throw RpcErrors.Invalid("task.kind", $"'{spec.Kind}' is not denoise or sr");
        }
    }

    /// <summary>The job's latency table (measured by its profile stage) when the settings carry a budget.</summary>
    public const string LatencyTableFile = "latency-table.json";

    /// <summary>
    /// The search options; with a budget, the latency objective reads <paramref name="jobFolder"/>/latency-table.json, which
    /// the job's profile stage writes, and <paramref name="resolution"/> says for which input size.
    /// </summary>
    public SearchOptions ResolveSearch(RestorationTask task, SearchSettings? settings, string field, string jobFolder, out (int Width, int Height)? resolution)
    {
        resolution = null;
        var options = ResolveSearch(task, settings, field);
        var s = settings ?? new SearchSettings();
        if (!s.HasBudgetMs)
        {
            if (s.Resolution.Length > 0 || s.HasLatencyWeight) throw RpcErrors.Invalid($"{field}.budget_ms", "resolution and latency_weight need a budget");
            return options;
        }
        if (!(s.BudgetMs > 0) || !double.IsFinite(s.BudgetMs)) throw RpcErrors.Invalid($"{field}.budget_ms", $"must be a positive number of milliseconds, got {s.BudgetMs}");
        if (s.HasLatencyWeight && (!(s.LatencyWeight >= 0) || !double.IsFinite(s.LatencyWeight))) throw RpcErrors.Invalid($"{field}.latency_weight", $"must be ≥ 0, got {s.LatencyWeight}");
        resolution = ParseResolution(s.Resolution.Length > 0 ? s.Resolution : "1280x720", $"{field}.resolution");
        return options with
        {
            Latency = new Search.Latency.LatencyObjective
            {
                TablePath = Path.Combine(jobFolder, LatencyTableFile), BudgetMs = s.BudgetMs, Weight = s.HasLatencyWeight ? s.LatencyWeight : 1.0,
            },
        };
    }

    private static (int Width, int Height) ParseResolution(string text, string field) =>
        Search.Latency.LatencyTable.TryParseResolution(text, out var w, out var h)
            ? (w, h)
            : throw RpcErrors.Invalid(field, $"'{text}' is not WIDTHxHEIGHT with each side in [8, 8192]");

    public SearchOptions ResolveSearch(RestorationTask task, SearchSettings? settings, string field)
    {
        var s = settings ?? new SearchSettings();
        var o = SearchOptions.DefaultsFor(task);
        if (s.Preset.Length > 0)
        {
            if (!SearchPresets.Names.Contains(s.Preset)) throw RpcErrors.Invalid($"{field}.preset", $"'{s.Preset}' is not one of {string.Join(", ", SearchPresets.Names)}");
            if (SearchPresets.KindOf(s.Preset) != task.Kind) throw RpcErrors.Invalid($"{field}.preset", $"'{s.Preset}' does not fit the task {task.Slug}");
            o = SearchPresets.Apply(s.Preset, o);
        }
        var n = o.Supernet;
        var epochs = s.HasEpochs ? Count(s.Epochs, field, "epochs") : o.Epochs;
        o = o with
        {
            Supernet = n with
            {
                Layers = s.HasLayers ? Count(s.Layers, field, "layers") : n.Layers,
                Blocks = s.HasBlocks ? Count(s.Blocks, field, "blocks") : n.Blocks,
                Filters = s.HasFilters ? Count(s.Filters, field, "filters") : n.Filters,
                StemChannels = s.HasStemChannels ? Count(s.StemChannels, field, "stem_channels") : n.StemChannels,
                TieCells = s.TieCells,
                CellSharing = !s.NoCellSharing,
            },
            Data = ResolveData(s.Data, $"{field}.data"),
            Epochs = epochs,
            Warmup = s.HasWarmup ? Count(s.Warmup, field, "warmup") : o.WarmupFor(epochs),
            StepsPerEpoch = s.HasStepsPerEpoch ? Count(s.StepsPerEpoch, field, "steps_per_epoch") : o.StepsPerEpoch,
            Batch = s.HasBatch ? Count(s.Batch, field, "batch") : o.Batch,
            Crop = s.HasCrop ? Count(s.Crop, field, "crop") : o.Crop,
            Seed = s.HasSeed ? s.Seed : o.Seed,
            SkipDropout = s.HasSkipDropout ? s.SkipDropout : o.SkipDropout,
            Threads = jobOptions.WorkerThreads,
            Device = jobOptions.Device,
        };
        Check(o.Validate, field);
        return o;
    }

    public TrainOptions ResolveTrain(RestorationTask task, ArchitectureSpec architecture, TrainSettings? settings, string field)
    {
        var t = settings ?? new TrainSettings();
        var d = TrainOptions.DefaultsFor(task, architecture);
        var iterations = t.HasIterations ? Count(t.Iterations, field, "iterations") : d.Iterations;
        var lr = t.HasLearningRate ? t.LearningRate : d.LearningRate;
        if (t.Schedule.Length > 0 && t.Schedule is not ("cosine" or "poly")) throw RpcErrors.Invalid($"{field}.schedule", $"'{t.Schedule}' is not cosine or poly");
        if (t.HasSigmaMin != t.HasSigmaMax) throw RpcErrors.Invalid($"{field}.sigma_min/sigma_max", "give both or neither");
        var o = d with
        {
            Data = ResolveData(t.Data, $"{field}.data"),
            Iterations = iterations,
            Batch = t.HasBatch ? Count(t.Batch, field, "batch") : d.Batch,
            Crop = t.HasCrop ? Count(t.Crop, field, "crop") : d.Crop,
            LearningRate = lr,
            LearningRateMin = d.LearningRateMinFor(lr),
            Schedule = t.Schedule.Length > 0 ? t.Schedule : d.Schedule,
            ValidateEvery = t.HasValidateEvery ? Count(t.ValidateEvery, field, "validate_every") : d.ValidateEveryFor(iterations),
            NoiseSigmaRange = t.HasSigmaMin ? new[] { t.SigmaMin, t.SigmaMax } : null,
            Seed = t.HasSeed ? t.Seed : d.Seed,
            Threads = jobOptions.WorkerThreads,
            Device = jobOptions.Device,
        };
        Check(o.Validate, field);
        return o;
    }

    /// <summary>The architecture of a training request (for search-then-train, a stand-in until the search has found one).</summary>
    public ArchitectureSpec ResolveArchitecture(RestorationTask task, StartTrainingRequest request, SearchOptions? searchFirst)
    {
        switch (request.ArchitectureCase)
        {
            case StartTrainingRequest.ArchitectureOneofCase.GenotypeJson:
                Genotype genotype;
                try
                {
                    genotype = GenotypeJson.Deserialize(request.GenotypeJson, "genotype_json");
                }
                catch (Exception e) when (e is ArgumentException or InvalidDataException or FormatException or System.Text.Json.JsonException)
                {
                    throw RpcErrors.Invalid("genotype_json", Describe(e));
                }
                if (genotype.Task != task) throw RpcErrors.Invalid("genotype_json", $"the genotype was searched for {genotype.Task.Slug}, not {task.Slug}");
                return ArchitectureSpec.FromGenotype(genotype);
            case StartTrainingRequest.ArchitectureOneofCase.Baseline:
                var space = SearchOptions.DefaultsFor(task).Supernet;
                try
                {
                    return ArchitectureSpec.Parse(request.Baseline, task, request.BaselineDepth == 0 ? null : Count(request.BaselineDepth, "baseline", "depth"),
                        request.BaselineWidth == 0 ? null : Count(request.BaselineWidth, "baseline", "width"),
                        space.Layers, space.Blocks, space.Filters, space.WidthFactors, space.StemChannels);
                }
                catch (ArgumentException e)
                {
                    throw RpcErrors.Invalid("baseline", Describe(e).Replace("--arch", "baseline"));
                }
            case StartTrainingRequest.ArchitectureOneofCase.SearchFirst:
                var n = searchFirst!.Supernet;
                return new ArchitectureSpec { Kind = ArchitectureSpec.GenotypeKind, Genotype = RandomGenotype.Sample(task, n.Layers, n.Blocks, n.Filters, n.WidthFactors, n.StemChannels, 0) };
            default:
                throw RpcErrors.Invalid("architecture", "give genotype_json, baseline or search_first");
        }
    }

    private DataSpec ResolveData(string text, string field)
    {
        if (string.IsNullOrEmpty(text) || text.StartsWith("deadleaves", StringComparison.Ordinal))
        {
            try
            {
                var spec = DataSpec.Parse(text);
                if (spec.IsDeadLeaves) return spec;
            }
            catch (ArgumentException e)
            {
                throw RpcErrors.Invalid(field, Describe(e).Replace("--data", "data"));
            }
        }
        return new DataSpec { Folder = roots.Confine(field, text) };
    }

    private static int Count(uint value, string field, string name) =>
        value <= MaxCount ? (int)value : throw RpcErrors.Invalid($"{field}.{name}", $"{value} is implausibly large");

    private static void Check(Action validate, string field)
    {
        try
        {
            validate();
        }
        catch (ArgumentException e)
        {
            var name = e.ParamName is { Length: > 0 } p ? $"{field}.{SnakeCase(p)}" : field;
            throw RpcErrors.Invalid(name, Describe(e));
        }
    }

    private static string Describe(Exception e)
    {
        var cut = e.Message.IndexOf(" (Parameter '", StringComparison.Ordinal);
        return (cut >= 0 ? e.Message[..cut] : e.Message).ReplaceLineEndings(" ").Trim();
    }

    private static string SnakeCase(string name)
    {
        var b = new StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0) b.Append('_');
            b.Append(char.ToLowerInvariant(name[i]));
        }
        return b.ToString();
    }
}
