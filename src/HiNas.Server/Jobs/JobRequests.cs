using Grpc.Core;
using HiNas.Imaging.Tasks;
using HiNas.Nas.Genotypes;
using HiNas.Nas.Latency;
using HiNas.Nas.Settings;
using HiNas.Nas.Space;
using HiNas.Server.Hosting;
using HiNas.Server.Rpc;
using ProtoExportSettings = HiNas.Protocol.V1.ExportSettings;
using ProtoSearchSettings = HiNas.Protocol.V1.SearchSettings;
using ProtoTrainSettings = HiNas.Protocol.V1.TrainSettings;
using StartTrainingRequest = HiNas.Protocol.V1.StartTrainingRequest;
using TaskSpec = HiNas.Protocol.V1.TaskSpec;

namespace HiNas.Server.Jobs;

/// <summary>
/// Job requests → the resolved options the worker runs with. The wire's settings are mapped onto the core's settings
/// records and resolved by the same resolvers as `hinas search` and `hinas train` (<see cref="TaskResolver"/>,
/// <see cref="SearchOptionsResolver"/>, <see cref="TrainOptionsResolver"/>), so a bad field is refused when the job
/// is started (INVALID_ARGUMENT naming the request field and the setting), with the CLI's words.
/// </summary>
public sealed class JobRequests(DataRoots roots, JobOptions jobOptions)
{
    private const uint MaxCount = 100_000_000;

    public static RestorationTask ResolveTask(TaskSpec? spec) => Resolving("task", () => TaskResolver.Resolve(new TaskSettings
    {
        Kind = spec?.Kind,
        Sigma = spec is null || spec.Sigma == 0 ? null : spec.Sigma,
        Scale = spec is null || spec.Scale == 0 ? null : (int)Math.Min(spec.Scale, MaxCount),
        Channels = spec is null || spec.Channels == 0 ? null : (int)Math.Min(spec.Channels, MaxCount),
    }));

    /// <summary>
    /// The search options; with a budget, the latency objective reads <paramref name="jobFolder"/>/latency-table.json, which
    /// the job's profile stage writes, and <paramref name="budget"/> says for which input size and in which precision
    /// (latency_precision, else <paramref name="precision"/>).
    /// </summary>
    public SearchOptions ResolveSearch(RestorationTask task, ProtoSearchSettings? settings, string field, string jobFolder, out JobBudget? budget,
        string precision = ModelPrecision.Float32)
    {
        var s = settings ?? new ProtoSearchSettings();
        budget = null;
        (int Width, int Height)? resolution = null;
        if (!s.HasBudgetMs && (s.Resolution.Length > 0 || s.HasLatencyWeight || s.HasBudgetBand || s.LatencyPrecision.Length > 0))
            throw RpcErrors.Invalid($"{field}.budget_ms", "resolution, latency_weight, budget_band and latency_precision need a budget");
        if (s.HasBudgetMs) resolution = ParseResolution(s.Resolution.Length > 0 ? s.Resolution : "1280x720", $"{field}.resolution");
        if (s.LatencyPrecision.Length > 0) precision = Precision(s.LatencyPrecision, $"{field}.latency_precision");
        var mapped = new SearchSettings
        {
            Preset = s.Preset.Length > 0 ? s.Preset : null,
            Layers = Count(s.HasLayers, s.Layers, field, "layers"), Blocks = Count(s.HasBlocks, s.Blocks, field, "blocks"),
            Filters = Count(s.HasFilters, s.Filters, field, "filters"), StemChannels = Count(s.HasStemChannels, s.StemChannels, field, "stem_channels"),
            PixelUnshuffle = Count(s.HasPixelUnshuffle, s.PixelUnshuffle, field, "pixel_unshuffle"),
            TieCells = s.TieCells, NoCellSharing = s.NoCellSharing, Data = Data(s.Data, field),
            Epochs = Count(s.HasEpochs, s.Epochs, field, "epochs"), Warmup = Count(s.HasWarmup, s.Warmup, field, "warmup"),
            StepsPerEpoch = Count(s.HasStepsPerEpoch, s.StepsPerEpoch, field, "steps_per_epoch"), Batch = Count(s.HasBatch, s.Batch, field, "batch"),
            Crop = Count(s.HasCrop, s.Crop, field, "crop"), Seed = s.HasSeed ? s.Seed : null, SkipDropout = s.HasSkipDropout ? s.SkipDropout : null,
            OperationDropout = s.HasOperationDropout ? s.OperationDropout : null,
            SupernetTraining = s.SupernetTraining.Length > 0 ? s.SupernetTraining : null,
            RankedNetworks = Count(s.HasRankedNetworks, s.RankedNetworks, field, "ranked_networks"),
            SinglePathStepsPerEpoch = Count(s.HasSinglePathStepsPerEpoch, s.SinglePathStepsPerEpoch, field, "single_path_steps_per_epoch"),
            DilatedConvs = s.DilatedConvs.Length > 0 ? s.DilatedConvs : null, HeadConv = s.HeadConv.Length > 0 ? s.HeadConv : null,
            CellForm = s.CellForm.Length > 0 ? s.CellForm : null, Operations = s.Operations.Length > 0 ? s.Operations : null, WidthFactors = s.WidthFactors.Count > 0 ? s.WidthFactors.ToArray() : null, ArchitectLearningRate = s.HasArchitectLearningRate ? s.ArchitectLearningRate : null,
            ArchitectWeightDecay = s.HasArchitectWeightDecay ? s.ArchitectWeightDecay : null,
            WeightOptimizer = s.WeightOptimizer.Length > 0 ? s.WeightOptimizer : null, PixelLoss = s.PixelLoss.Length > 0 ? s.PixelLoss : null,
            Threads = jobOptions.WorkerThreads, Device = jobOptions.Device,
            LatencyTable = s.HasBudgetMs ? Path.Combine(jobFolder, JobFiles.LatencyTableFile) : null,
            BudgetMs = s.HasBudgetMs ? s.BudgetMs : null, LatencyWeight = s.HasLatencyWeight ? s.LatencyWeight : null, BudgetBand = s.HasBudgetBand ? s.BudgetBand : null,
        };
        var options = Resolving(field, () => SearchOptionsResolver.Resolve(task, mapped));
        if (resolution is { } r && LatencyTable.ResolutionProblem(r.Width, r.Height, options.Supernet.PixelUnshuffle) is { } problem)
            throw RpcErrors.Invalid($"{field}.resolution", problem);
        if (options.Latency is { } objective && resolution is var (w, h)) budget = new JobBudget($"{w}x{h}", objective.BudgetMs, precision);
        return options;
    }

    /// <summary>How a training job's package is made: null for float32, or the int8 settings (`hinas export --int8`'s defaults and the request's).</summary>
    public static Int8Settings? ResolveExport(ProtoExportSettings? settings)
    {
        var e = settings ?? new ProtoExportSettings();
        if (Precision(e.Precision.Length > 0 ? e.Precision : ModelPrecision.Float32, "export.precision") != ModelPrecision.Int8)
            return e.HasInt8TuningSteps || e.HasInt8ToleranceDb
                ? throw RpcErrors.Invalid("export.precision", $"int8_tuning_steps and int8_tolerance_db need precision {ModelPrecision.Int8}")
                : null;
        var defaults = new Int8Settings();
        var int8 = defaults with
        {
            TuningSteps = Count(e.HasInt8TuningSteps, e.Int8TuningSteps, "export", "int8_tuning_steps") ?? defaults.TuningSteps,
            ToleranceDb = e.HasInt8ToleranceDb ? e.Int8ToleranceDb : defaults.ToleranceDb,
        };
        return Resolving("export", () =>
        {
            int8.Validate();
            return int8;
        });
    }

    /// <summary>Whether a training request trains what a latency-budgeted search finds first.</summary>
    public static bool AfterBudgetedSearch(StartTrainingRequest request) =>
        request.ArchitectureCase == StartTrainingRequest.ArchitectureOneofCase.SearchFirst && request.SearchFirst.HasBudgetMs;

    /// <param name="afterBudgetedSearch">
    /// the network comes from a latency-budgeted search: it met its budget as searched, so unless asked otherwise it is
    /// retrained at the search width with the light head
    /// </param>
    public TrainOptions ResolveTrain(RestorationTask task, ArchitectureSpec architecture, ProtoTrainSettings? settings, string field, bool afterBudgetedSearch = false)
    {
        var t = settings ?? new ProtoTrainSettings();
        var mapped = new TrainSettings
        {
            Data = Data(t.Data, field), Iterations = Count(t.HasIterations, t.Iterations, field, "iterations"), Batch = Count(t.HasBatch, t.Batch, field, "batch"),
            Crop = Count(t.HasCrop, t.Crop, field, "crop"), LearningRate = t.HasLearningRate ? t.LearningRate : null,
            Schedule = t.Schedule.Length > 0 ? t.Schedule : null, ValidateEvery = Count(t.HasValidateEvery, t.ValidateEvery, field, "validate_every"),
            SigmaMin = t.HasSigmaMin ? t.SigmaMin : null, SigmaMax = t.HasSigmaMax ? t.SigmaMax : null, NoiseMap = t.NoiseMap,
            PixelLoss = t.PixelLoss.Length > 0 ? t.PixelLoss : null, Seed = t.HasSeed ? t.Seed : null,
            WidthMultiplier = t.HasWidthMultiplier ? t.WidthMultiplier : null, Head = t.Head.Length > 0 ? t.Head : null, AsSearched = afterBudgetedSearch,
            ConvExpansion = Count(t.HasConvExpansion, t.ConvExpansion, field, "conv_expansion"),
            Threads = jobOptions.WorkerThreads, Device = jobOptions.Device,
        };
        return Resolving(field, () => TrainOptionsResolver.Resolve(task, architecture, mapped));
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
                    throw RpcErrors.Invalid("genotype_json", ErrorText.OneLine(e));
                }
                if (genotype.Task != task) throw RpcErrors.Invalid("genotype_json", $"the genotype was searched for {genotype.Task.Slug}, not {task.Slug}");
                return ArchitectureSpec.FromGenotype(genotype);
            case StartTrainingRequest.ArchitectureOneofCase.Baseline:
                var depth = request.BaselineDepth == 0 ? (int?)null : (int)Math.Min(request.BaselineDepth, MaxCount);
                var width = request.BaselineWidth == 0 ? (int?)null : (int)Math.Min(request.BaselineWidth, MaxCount);
                try
                {
                    return ArchitectureSpec.Parse(request.Baseline, task, depth, width, SearchOptions.DefaultsFor(task).Supernet.Space);
                }
                catch (SettingException e)
                {
                    throw RpcErrors.Invalid(e.Setting == ArchitectureSpec.Setting ? "baseline" : $"baseline_{e.Setting}", e.Problem);
                }
            case StartTrainingRequest.ArchitectureOneofCase.SearchFirst:
                return new ArchitectureSpec { Kind = ArchitectureSpec.GenotypeKind, Genotype = RandomGenotype.Sample(searchFirst!.Supernet.Space, 0) };
            default:
                throw RpcErrors.Invalid("architecture", "give genotype_json, baseline or search_first");
        }
    }

    /// <summary><paramref name="text"/> as a precision, or INVALID_ARGUMENT naming <paramref name="field"/>.</summary>
    private static string Precision(string text, string field) =>
        ModelPrecision.Problem(text) is { } problem ? throw RpcErrors.Invalid(field, problem) : text;

    private static (int Width, int Height) ParseResolution(string text, string field) =>
        LatencyTable.TryParseResolution(text, out var w, out var h)
            ? (w, h)
            : throw RpcErrors.Invalid(field, $"'{text}' is not WIDTHxHEIGHT with each side in [8, 8192]");

    /// <summary>Dead leaves as given; anything else is a folder, confined to the data roots (PERMISSION_DENIED outside them).</summary>
    private string? Data(string text, string field) =>
        text.Length == 0 ? null : DataSpec.IsDeadLeavesText(text) ? text : roots.Confine($"{field}.data", text);

    private static int? Count(bool given, uint value, string field, string name) =>
        !given ? null : value <= MaxCount ? (int)value : throw RpcErrors.Invalid($"{field}.{name}", $"{value} is implausibly large");

    /// <summary>Runs a resolver; its <see cref="SettingException"/> becomes INVALID_ARGUMENT naming <paramref name="field"/>.setting.</summary>
    private static T Resolving<T>(string field, Func<T> resolve)
    {
        try
        {
            return resolve();
        }
        catch (SettingException e)
        {
            throw RpcErrors.Invalid($"{field}.{WireName(e.Setting)}", e.Problem);
        }
    }

    /// <summary>The request field of a setting where the wire spells it differently (one range, two fields).</summary>
    private static string WireName(string setting) => setting == "sigma_range" ? "sigma_min/sigma_max" : setting;
}
