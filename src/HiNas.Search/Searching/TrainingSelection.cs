using HiNas.Imaging.Tasks;
using HiNas.Nas.Genotypes;
using HiNas.Nas.Latency;
using HiNas.Nas.Runs;
using HiNas.Nas.Settings;
using HiNas.Search.Training;

namespace HiNas.Search.Searching;

/// <summary>
/// Selects a search run's network by training: the top networks of its <see cref="NetworkRanking"/> (the search's own
/// candidates, at most a parameter count and a frame time if given), taken round the width paths (<see cref="ByWidthPath"/>),
/// are each trained briefly from scratch with the same settings and seed, and the one with the best validation PSNR is
/// kept. The supernet's ranking orders neither the cells of one path reliably (it reversed retraining's order of three
/// networks on one path, bench/search-recipe) nor the width paths (bench/latency); a short training orders them as long
/// retraining does more closely. Each network's training lives in
/// <see cref="TrainingsFolder"/>/ORIGIN under the run folder and is resumed or reused whenever a selection with the same
/// settings takes that network again (another --top or ceiling). Writes
/// <see cref="GenotypeFile"/> (the best) and <see cref="SelectionFile"/> (every trained candidate, best first).
/// </summary>
public static class TrainingSelection
{
    public const string GenotypeFile = "genotype-trained.json";
    public const string SelectionFile = "training-selection.json";
    public const string TrainingsFolder = "selection";
    public const int DefaultTop = 4;
    public const int MaxTop = 64;
    public const int DefaultIterations = 1000;

    /// <summary>One trained candidate.</summary>
    public sealed record Candidate
    {
        /// <summary>Its origin in the ranking (drawn:N, alpha, …).</summary>
        public required string Origin { get; init; }
        /// <summary>Its place in the ranking among the candidates selected from (1 = the ranking's best).</summary>
        public required int RankingPlace { get; init; }
        /// <summary>Its validation PSNR (dB) as a sub-network of the supernet.</summary>
        public required double RankingPsnr { get; init; }
        /// <summary>Its best validation PSNR (dB) in its short training.</summary>
        public required double ValidationPsnr { get; init; }
        public required int BestIteration { get; init; }
        /// <summary>Parameters as searched (×1, light head), as the ranking counts them.</summary>
        public required long Parameters { get; init; }
        /// <summary>Parameters of the network as trained here (the settings' width multiplier and head).</summary>
        public required long TrainedParameters { get; init; }
        public required double TrainingSeconds { get; init; }
        /// <summary>Its measured frame time (ms) as trained here, when the selection had a latency ceiling.</summary>
        public double? LatencyMs { get; init; }
        /// <summary>The reference network's frame time (ms), timed alongside it, when the ceiling was a reference.</summary>
        public double? ReferenceMs { get; init; }
        /// <summary>Its training folder, relative to the run folder (`hinas train --init-from` continues from it).</summary>
        public required string Training { get; init; }
        public required IReadOnlyList<int> WidthPath { get; init; }
        public required IReadOnlyList<IReadOnlyList<CellEdge>> Cells { get; init; }
    }

    /// <summary>What <see cref="SelectionFile"/> holds.</summary>
    public sealed record Selection
    {
        public required int Iterations { get; init; }
        public required ulong Seed { get; init; }
        public required string Data { get; init; }
        /// <summary>The parameter ceiling the candidates were taken under (as searched), if any.</summary>
        public long? MaxParameters { get; init; }
        /// <summary>The frame-time ceiling the candidates were taken under, if any.</summary>
        public double? MaxMs { get; init; }
        /// <summary>The reference network the candidates had to run as fast as (NAME:DEPTH:WIDTH), if that was the ceiling.</summary>
        public string? AsFastAs { get; init; }
        /// <summary>The input size the frame times were measured at (WIDTHxHEIGHT), with a ceiling.</summary>
        public string? LatencyResolution { get; init; }
        /// <summary>The arithmetic the frame times were measured in (<see cref="ModelPrecision"/>), with a ceiling.</summary>
        public string? LatencyPrecision { get; init; }
        /// <summary>Best validation PSNR first.</summary>
        public required IReadOnlyList<Candidate> Candidates { get; init; }
        /// <summary>The ranking's networks passed over for running slower than the ceiling, in ranking order.</summary>
        public IReadOnlyList<PassedOver> OverCeiling { get; init; } = [];
    }

    /// <summary>A ranked network passed over: its origin, place and measured frame time (and the reference's beside it).</summary>
    public sealed record PassedOver(string Origin, int RankingPlace, double LatencyMs, double? ReferenceMs = null);

    /// <summary>
    /// A frame-time ceiling for one WIDTH×HEIGHT input: a network, as the selection would train it, that runs slower is
    /// passed over for the next in the ranking. The ceiling is a number of milliseconds (<see cref="Within"/>, the CLI's
    /// `--max-ms`) or a reference network timed side by side with each candidate (<see cref="AsFastAs"/>, `--as-fast-as`):
    /// a slow spell of the machine then slows both, so the verdict does not move with it.
    /// </summary>
    public sealed record LatencyCeiling
    {
        private readonly Func<TrainOptions, double>? _measure;
        private readonly Func<TrainOptions, TrainOptions, (double Ms, double ReferenceMs)>? _measureAgainst;

        private LatencyCeiling(int width, int height, Func<TrainOptions, double>? measure, Func<TrainOptions, TrainOptions, (double, double)>? measureAgainst)
        {
            (Width, Height, _measure, _measureAgainst) = (width, height, measure, measureAgainst);
        }

        /// <summary>At most <paramref name="maxMs"/> as <paramref name="measure"/> times the network the options build.</summary>
        public static LatencyCeiling Within(double maxMs, int width, int height, Func<TrainOptions, double> measure) =>
            new(width, height, measure, null) { MaxMs = maxMs };

        /// <summary>
        /// No slower than <paramref name="reference"/> (NAME:DEPTH:WIDTH, <see cref="ArchitectureSpec.ParseSized"/>, built
        /// for the run's task and space); <paramref name="measure"/> times a candidate (the first options) and the
        /// reference (the second) side by side.
        /// </summary>
        public static LatencyCeiling AsFastAs(string reference, int width, int height, Func<TrainOptions, TrainOptions, (double Ms, double ReferenceMs)> measure) =>
            new(width, height, null, measure) { Reference = reference };

        public int Width { get; }
        public int Height { get; }
        /// <summary>The ceiling in milliseconds (<see cref="Within"/>).</summary>
        public double? MaxMs { get; private init; }
        /// <summary>The reference network (<see cref="AsFastAs"/>).</summary>
        public string? Reference { get; private init; }
        public string Resolution => $"{Width}x{Height}";
        /// <summary>The arithmetic the networks are timed in (<see cref="ModelPrecision"/>): int8 as their int8 exports run.</summary>
        public string Precision { get; init; } = ModelPrecision.Float32;

        /// <summary>The candidate's frame time and the one it must not exceed (the reference's, timed alongside, or <see cref="MaxMs"/>).</summary>
        internal (double Ms, double CeilingMs, double? ReferenceMs) Time(TrainOptions candidate, TrainOptions? reference)
        {
            if (_measureAgainst is not null)
            {
                var (ms, referenceMs) = _measureAgainst(candidate, reference!);
                return (ms, referenceMs, referenceMs);
            }
            return (_measure!(candidate), MaxMs!.Value, null);
        }

        /// <summary>What the ceiling is, in words.</summary>
        internal string Describe()
        {
            var at = Precision == ModelPrecision.Float32 ? Resolution : $"{Resolution} in {Precision}";
            return Reference is null ? FormattableString.Invariant($"runs within {MaxMs} ms at {at}") : $"runs as fast as {Reference} at {at} (timed side by side)";
        }
    }

    /// <summary>
    /// Trains the top <paramref name="top"/> of the run's ranked networks, taken round the width paths, and keeps the best by validation PSNR.
    /// </summary>
    /// <param name="settings">training settings as `hinas train` takes them; unset data is the search's, unset
    /// iterations <see cref="DefaultIterations"/>; every candidate trains with the same seed</param>
    /// <param name="progress">reports (networks trained, networks to train, the last one trained)</param>
    /// <param name="maxLatency">a frame-time ceiling: the ranking's networks that run slower are passed over for the next ones</param>
    public static (Genotype Best, Selection Selection) Run(string runDir, int top, long? maxParameters, TrainSettings settings,
        IProgress<(int Done, int Total, Candidate Trained)>? progress = null, CancellationToken cancellation = default, LatencyCeiling? maxLatency = null)
    {
        if (top is < 1 or > MaxTop) throw new ArgumentOutOfRangeException(nameof(top), top, $"the networks to train are 1 to {MaxTop}");
        if (maxParameters is < 1) throw new ArgumentOutOfRangeException(nameof(maxParameters), maxParameters, "the parameter ceiling is at least 1");
        if (maxLatency is { Reference: null } && !(double.IsFinite(maxLatency.MaxMs!.Value) && maxLatency.MaxMs > 0))
            throw new ArgumentOutOfRangeException(nameof(maxLatency), maxLatency.MaxMs, "the frame-time ceiling is a positive number of milliseconds");
        if (maxLatency is { Width: < 1 } or { Height: < 1 })
            throw new ArgumentOutOfRangeException(nameof(maxLatency), maxLatency.Resolution, "the frame-time ceiling's input size is positive");
        var full = Path.GetFullPath(runDir);
        var optionsPath = Path.Combine(full, SearchRun.OptionsFile);
        if (!File.Exists(optionsPath)) throw new FileNotFoundException($"'{runDir}' is not a search run (no {SearchRun.OptionsFile})", optionsPath);
        var search = SearchOptionsJson.Load(optionsPath);
        var rankingPath = Path.Combine(full, NetworkRanking.RankingFile);
        if (!File.Exists(rankingPath))
            throw new FileNotFoundException($"'{runDir}' has no {NetworkRanking.RankingFile}: rank its networks first (hinas select RUN_DIR --by ranking)", rankingPath);
        var ranking = RunFiles.ReadJson<NetworkRanking.Ranking>(rankingPath);
        var own = ranking.Candidates.Where(c => NetworkRanking.IsSearchOwn(c.Origin) && (maxParameters is null || c.Parameters <= maxParameters)).ToArray();
        if (own.Length == 0)
            throw new ArgumentException(maxParameters is null
                ? $"{NetworkRanking.RankingFile} holds none of the search's own networks (only given ones)"
                : $"no network the search ranked has at most {maxParameters:N0} parameters", nameof(maxParameters));
        var space = search.Supernet.Space;
        if (maxLatency is not null && LatencyTable.ResolutionProblem(maxLatency.Width, maxLatency.Height, search.Supernet.PixelUnshuffle) is { } problem)
            throw new ArgumentOutOfRangeException(nameof(maxLatency), maxLatency.Resolution, problem);
        var resolved = settings with { Data = settings.Data ?? search.Data.ToString(), Iterations = settings.Iterations ?? DefaultIterations };
        // the reference is built as `hinas train --arch REFERENCE` would build it with the same settings (a baseline takes no width multiplier or head)
        var reference = maxLatency?.Reference is { } named
            ? TrainOptionsResolver.Resolve(space.Task, ArchitectureSpec.ParseSized(named, space.Task, space), resolved with { WidthMultiplier = null, Head = null, ConvExpansion = null })
            : null;
        // every setting is checked, and every frame time measured, before the first training starts
        var plans = new List<(int Place, NetworkRanking.Candidate Ranked, Genotype Genotype, TrainOptions Options, double? Ms, double? ReferenceMs)>();
        var overCeiling = new List<PassedOver>();
        foreach (var (place, ranked) in ByWidthPath(own))
        {
            if (plans.Count == top) break;
            var genotype = ToGenotype(space, ranked);
            var options = TrainOptionsResolver.Resolve(space.Task, ArchitectureSpec.FromGenotype(genotype), resolved);
            (double? Ms, double? ReferenceMs) time = (null, null);
            if (maxLatency is not null)
            {
                cancellation.ThrowIfCancellationRequested();
                var (ms, ceiling, referenceMs) = maxLatency.Time(options, reference);
                if (ms > ceiling)
                {
                    overCeiling.Add(new PassedOver(ranked.Origin, place, ms, referenceMs));
                    continue;
                }
                time = (ms, referenceMs);
            }
            plans.Add((place, ranked, genotype, options, time.Ms, time.ReferenceMs));
        }
        if (plans.Count == 0)
        {
            var fastest = overCeiling.MinBy(o => o.LatencyMs)!;
            throw new ArgumentException(FormattableString.Invariant(
                $"none of the {own.Length} networks the search ranked{(maxParameters is null ? "" : $" at most {maxParameters:N0} parameters")} {maxLatency!.Describe()} on this machine (the fastest: {fastest.LatencyMs:F1} ms{(fastest.ReferenceMs is { } r ? $" against its {r:F1}" : "")})"), nameof(maxLatency));
        }
        var trained = new List<Candidate>(plans.Count);
        foreach (var (place, ranked, _, options, ms, referenceMs) in plans)
        {
            cancellation.ThrowIfCancellationRequested();
            var folder = Path.Combine(TrainingsFolder, ranked.Origin.Replace(':', '-'));
            var summary = TrainOrReuse(options, Path.Combine(full, folder), cancellation);
            var candidate = new Candidate
            {
                Origin = ranked.Origin, RankingPlace = place, RankingPsnr = ranked.Psnr, ValidationPsnr = summary.BestValidationPsnr, BestIteration = summary.BestIteration,
                Parameters = ranked.Parameters, TrainedParameters = summary.Parameters, TrainingSeconds = summary.TrainingSeconds, Training = folder,
                LatencyMs = ms, ReferenceMs = referenceMs, WidthPath = ranked.WidthPath, Cells = ranked.Cells,
            };
            trained.Add(candidate);
            progress?.Report((trained.Count, plans.Count, candidate));
        }
        var order = trained.OrderByDescending(c => c.ValidationPsnr).ThenBy(c => c.RankingPlace).ToArray();
        var winner = plans.Single(p => p.Place == order[0].RankingPlace).Genotype;
        // a mixture search's network keeps the α and β it was derived with (as genotype.json has them); a single-path search has none trained
        var best = !search.IsSinglePath && File.Exists(Path.Combine(full, SearchRun.GenotypeFile)) && GenotypeJson.Load(Path.Combine(full, SearchRun.GenotypeFile)) is { Alpha: not null } derived
            ? new Genotype(space, winner.Cells, winner.WidthPath, derived.Alpha, derived.Beta)
            : winner;
        var selection = new Selection
        {
            Iterations = plans[0].Options.Iterations, Seed = plans[0].Options.Seed, Data = plans[0].Options.Data.ToString(), MaxParameters = maxParameters, Candidates = order,
            MaxMs = maxLatency?.MaxMs, AsFastAs = maxLatency?.Reference, LatencyResolution = maxLatency?.Resolution, LatencyPrecision = maxLatency?.Precision, OverCeiling = overCeiling,
        };
        RunFiles.WriteJsonAtomic(Path.Combine(full, SelectionFile), selection);
        GenotypeJson.Save(best, Path.Combine(full, GenotypeFile));
        return (best, selection);
    }

    /// <summary>
    /// The order the ranked networks are trained in, with their places in the ranking (1 = best): the best of each width
    /// path (paths in the order of their best), then the second of each, and so on: each path gets its best network
    /// trained before any path gets a second. In the fused space over widths 32 and 48 the supernet ranked
    /// all-32-channel networks first at every budget that admitted them, one 0.01 dB above an all-48 network that then
    /// trained 0.56 dB better (bench/latency). A ranking of one width path is trained in its own order.
    /// </summary>
    public static IEnumerable<(int Place, NetworkRanking.Candidate Ranked)> ByWidthPath(IReadOnlyList<NetworkRanking.Candidate> ranking) =>
        ranking.Select((ranked, index) => (Place: index + 1, Ranked: ranked))
            .GroupBy(c => string.Join(',', c.Ranked.WidthPath))
            .SelectMany(path => path.Select((c, round) => (c.Place, c.Ranked, Round: round)))
            .OrderBy(c => c.Round).ThenBy(c => c.Place)
            .Select(c => (c.Place, c.Ranked));

    private static Genotype ToGenotype(Nas.Space.SearchSpace space, NetworkRanking.Candidate c)
    {
        try
        {
            return new Genotype(space, c.Cells.Select(edges => new CellGenotype(edges)).ToArray(), c.WidthPath);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{NetworkRanking.RankingFile}: candidate '{c.Origin}' is not a network of the run's search space: {e.Message}", e);
        }
    }

    /// <summary>A finished training in <paramref name="dir"/> with these options is reused, a started one resumed, else one starts.</summary>
    private static TrainSummary TrainOrReuse(TrainOptions options, string dir, CancellationToken cancellation)
    {
        var optionsPath = Path.Combine(dir, TrainRun.OptionsFile);
        if (!File.Exists(optionsPath)) return Trainer.Run(options, dir, cancellation: cancellation);
        var before = TrainOptionsJson.Load(optionsPath);
        if (Comparable(before) != Comparable(options))
            throw new InvalidOperationException($"'{dir}' holds a training with other settings or another network than this selection's; delete {Path.GetDirectoryName(dir)} to select again with new settings");
        var summaryPath = Path.Combine(dir, TrainRun.SummaryFile);
        return File.Exists(summaryPath) ? RunFiles.ReadJson<TrainSummary>(summaryPath) : Trainer.Resume(dir, cancellation: cancellation);

        // the machine's threads do not change what is trained
        static string Comparable(TrainOptions o) => TrainOptionsJson.Serialize(o with { Threads = null });
    }
}
