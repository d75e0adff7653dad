using HiNas.Imaging.Randomness;
using HiNas.Nas.Genotypes;
using HiNas.Nas.Runs;
using HiNas.Nas.Settings;
using HiNas.Search.Networks;
using TorchSharp;

namespace HiNas.Search.Searching;

/// <summary>
/// Derives whole networks instead of edges: candidate genotypes — for a mixture search, on β's width path, α's own
/// (the argmax), the perturbation selection's when the run has one, networks drawn from α and drawn uniformly
/// (<see cref="GenotypeSampler"/>); for a single-path search, networks drawn as it trained them; and any given — each
/// run as a sub-network of the trained supernet
/// (<see cref="Supernets.Supernet.SetSubnetwork"/>) with its BatchNorm statistics recalibrated on training batches,
/// and ranked by its validation PSNR. The edge-by-edge derivation takes each edge's best operation on its own; the
/// supernet ranks operations right one at a time, so it returned networks of one operation (conv 3×3 on 14–16 of 18
/// edges) that mixed random networks beat (bench/search-recipe). Writes <see cref="GenotypeFile"/> (the best) and
/// <see cref="RankingFile"/> (every candidate, best first) into the run folder.
/// </summary>
public static class NetworkRanking
{
    public const string GenotypeFile = "genotype-ranked.json";
    public const string RankingFile = "network-ranking.json";
    public const int DefaultSamples = SearchOptions.DefaultRankedNetworks;
    public const int DefaultBatches = SearchSession.RecalibrationBatches;

    /// <summary>The origin of a mixture search's own network (α's argmax on β's path).</summary>
    public const string AlphaOrigin = "alpha";

    /// <summary>Origins of the search's own candidates besides α's (the perturbation selection's, sampled, drawn); any other origin is a given file's.</summary>
    private const string PerturbationOrigin = "perturbation", AlphaSampleOrigin = "alpha-sample", UniformOrigin = "uniform", DrawnOrigin = "drawn";

    /// <summary>Whether a candidate's origin is one of the search's own networks (`alpha`, `perturbation`, or a sampled
    /// or drawn one's `KIND:N`) rather than a network given to rank beside them.</summary>
    public static bool IsSearchOwn(string origin) => origin.Split(':') switch
    {
        [var kind] => kind is AlphaOrigin or PerturbationOrigin,
        [var kind, var n] => kind is AlphaSampleOrigin or UniformOrigin or DrawnOrigin && n.Length is > 0 and <= 9 && n.All(char.IsAsciiDigit),
        _ => false,
    };

    /// <summary>One ranked network.</summary>
    public sealed record Candidate
    {
        /// <summary>Where it came from: `alpha` (the argmax), `perturbation`, `alpha-sample:N`, `uniform:N`, or the file it was given in.</summary>
        public required string Origin { get; init; }
        /// <summary>Its validation PSNR (dB) as a sub-network of the supernet, recalibrated.</summary>
        public required double Psnr { get; init; }
        public required long Parameters { get; init; }
        public required IReadOnlyList<int> WidthPath { get; init; }
        /// <summary>Each layer's edges in node order (genotype.json's cells, each edge as {op, input}).</summary>
        public required IReadOnlyList<IReadOnlyList<CellEdge>> Cells { get; init; }
    }

    /// <summary>What <see cref="RankingFile"/> holds.</summary>
    public sealed record Ranking
    {
        /// <summary>Training batches each candidate's BatchNorm statistics were recalibrated on.</summary>
        public required int Batches { get; init; }
        /// <summary>The validation windows: count and side in pixels.</summary>
        public required int ValidationImages { get; init; }
        public required int ValidationSide { get; init; }
        /// <summary>Best first.</summary>
        public required IReadOnlyList<Candidate> Candidates { get; init; }
    }

    /// <summary>Ranks the run's candidates on its newest checkpoint, writes both files and returns the best genotype.</summary>
    /// <param name="samples">networks to draw; null: a single-path search's <see cref="SearchOptions.RankedNetworks"/>, else <see cref="DefaultSamples"/></param>
    public static (Genotype Best, Ranking Ranking) Run(string runDir, int? samples = null, int batches = DefaultBatches,
        IReadOnlyList<(string Origin, Genotype Genotype)>? given = null, long? maxParameters = null,
        IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellation = default)
    {
        var full = Path.GetFullPath(runDir);
        using var session = SearchSession.OpenTrained(full);
        var drawn = samples ?? (session.Options.IsSinglePath ? session.Options.RankedNetworks : DefaultSamples);
        return Rank(session, full, drawn, batches, given, maxParameters, progress, cancellation);
    }

    /// <summary>
    /// Ranks the candidates of the session's search on its supernet as it is and writes both files into
    /// <paramref name="runDir"/>. A mixture search's candidates lie on β's width path (the genotype keeps the α and β it
    /// was ranked on); a single-path search's are drawn as it trained them, width path included.
    /// </summary>
    /// <param name="samples">networks drawn (a mixture search's: half from α, half uniformly)</param>
    /// <param name="given">more candidates (their origin, e.g. a file name, and genotype), on their own width paths</param>
    /// <param name="maxParameters">candidates with more parameters (×1, light head) are not measured</param>
    /// <param name="progress">reports (networks measured, networks in all)</param>
    public static (Genotype Best, Ranking Ranking) Rank(SearchSession session, string runDir, int samples, int batches,
        IReadOnlyList<(string Origin, Genotype Genotype)>? given = null, long? maxParameters = null,
        IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellation = default)
    {
        if (samples < 0) throw new ArgumentOutOfRangeException(nameof(samples), samples, "the number of networks to draw is 0 or more");
        if (batches < 1) throw new ArgumentOutOfRangeException(nameof(batches), batches, "recalibration needs at least one batch");
        if (maxParameters is < 1) throw new ArgumentOutOfRangeException(nameof(maxParameters), maxParameters, "the parameter ceiling is at least 1");
        var options = session.Options;
        var space = options.Supernet.Space;
        var (alpha, beta) = (session.Network.AlphaSnapshot(), session.Network.BetaSnapshot());
        var candidates = new List<(string Origin, Genotype Genotype)>();
        var random = new DeterministicRandom(DeterministicRandom.Derive(options.Seed, 0x5A3D));
        if (options.IsSinglePath)
        {
            // the draws first: a given network that is also drawn keeps its "drawn" origin (one of the search's own)
            for (var i = 1; i <= samples; i++) candidates.Add(($"{DrawnOrigin}:{i}", session.DrawSubnetwork(random)));
            candidates.AddRange(given ?? []);
        }
        else
        {
            var derived = Derivation.Derive(space, alpha, beta);
            if (!session.Network.RunsAlone(derived.WidthPath))
                throw new InvalidOperationException($"β's width path [{string.Join(", ", derived.WidthPath)}] does not run on its own in the supernet (from layer 3 on, a cell reads the state two layers back at its own width), so no network on it can be ranked");
            candidates.Add((AlphaOrigin, derived));
            var perturbation = Path.Combine(runDir, PerturbationSelection.GenotypeFile);
            if (File.Exists(perturbation)) candidates.Add((PerturbationOrigin, GenotypeJson.Load(perturbation)));
            candidates.AddRange(given ?? []);
            for (var i = 1; i <= samples; i++)
                candidates.Add(i % 2 == 1
                    ? ($"{AlphaSampleOrigin}:{i}", GenotypeSampler.FromAlpha(space, alpha, derived.WidthPath, random.NextUInt64()))
                    : ($"{UniformOrigin}:{i}", GenotypeSampler.Uniform(space, derived.WidthPath, random.NextUInt64())));
        }
        // one network once: draws that differ only in dead layers or none edges' inputs build the same network
        var distinct = candidates.DistinctBy(c => c.Genotype.NetworkKey)
            .Select(c => (c.Origin, c.Genotype, Parameters: Parameters(c.Genotype)))
            .Where(c => maxParameters is null || c.Parameters <= maxParameters).ToArray();
        if (distinct.Length == 0)
            throw new ArgumentException(maxParameters is null ? "nothing to rank: no networks drawn and none given" : $"no candidate has at most {maxParameters:N0} parameters");
        var order = Measure(session, distinct, batches, progress, cancellation)
            .Select((candidate, i) => (Candidate: candidate, distinct[i].Genotype)).OrderByDescending(c => c.Candidate.Psnr).ToArray();
        var top = order[0].Genotype;
        var best = options.IsSinglePath ? top.WithCells(top.Cells) /* without α and β: untrained */ : new Genotype(space, top.Cells, top.WidthPath, alpha, beta);
        var ranking = new Ranking
        {
            Batches = batches, ValidationImages = session.Validation.Count, ValidationSide = SearchSession.ValidationSide,
            Candidates = order.Select(c => c.Candidate).ToArray(),
        };
        RunFiles.WriteJsonAtomic(Path.Combine(runDir, RankingFile), ranking);
        GenotypeJson.Save(best, Path.Combine(runDir, GenotypeFile));
        return (best, ranking);
    }

    /// <summary>
    /// Each candidate's validation PSNR as a sub-network of the session's supernet, recalibrated, in the candidates'
    /// order. The supernet runs whole again afterwards, with the last candidate's BatchNorm statistics.
    /// </summary>
    public static Candidate[] Measure(SearchSession session, IReadOnlyList<(string Origin, Genotype Genotype, long Parameters)> candidates, int batches,
        IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellation = default)
    {
        var measured = new List<Candidate>(candidates.Count);
        foreach (var (origin, genotype, parameters) in candidates)
        {
            cancellation.ThrowIfCancellationRequested();
            double psnr;
            try
            {
                psnr = session.SubnetworkPsnr(genotype, batches);
            }
            catch (ArgumentException e) when (e.ParamName == "genotype")
            {
                throw new ArgumentException($"candidate '{origin}': {e.Message}", e);
            }
            measured.Add(new Candidate
            {
                Origin = origin, Psnr = psnr, Parameters = parameters, WidthPath = genotype.WidthPath, Cells = genotype.Cells.Select(c => c.Edges).ToArray(),
            });
            progress?.Report((measured.Count, candidates.Count));
        }
        return measured.ToArray();
    }

    /// <summary>The parameters of the genotype's network as searched (×1, light head) and served (<see cref="NetworkCost"/>: without the branches its export folds away).</summary>
    private static long Parameters(Genotype genotype)
    {
        using var network = new DerivedNetwork(genotype);
        return NetworkCost.Of(network, genotype.Task).Parameters;
    }
}
