using HiNas.Imaging.Tasks;
using HiNas.Nas.Genotypes;
using HiNas.Nas.Runs;
using HiNas.Nas.Settings;
using HiNas.Search.Networks;
using HiNas.Search.Searching;

namespace HiNas.Search.Tests.Searching;

/// <summary>Selecting a micro search's network by briefly training the top of its ranking: what is trained, kept, reused and refused.</summary>
public sealed class TrainingSelectionTests
{
    private static string TempDir() => TestFolders.TempDir("hinas-search-tests");

    private static readonly TrainSettings Short = new() { Iterations = 6, Batch = 2, Crop = 24, ValidateEvery = 3, WidthMultiplier = 1, Head = "light", Threads = 2 };

    [Fact]
    public void TheRankingsTopOwnNetworks_AreTrainedAlike_AndTheBestByValidationIsKept_ThenReused()
    {
        var options = SearcherTests.Micro(RestorationTask.Denoise(25, 1), seed: 5);
        var dir = TempDir();
        Searcher.Run(options, dir);
        Assert.Throws<FileNotFoundException>(() => TrainingSelection.Run(dir, top: 2, maxParameters: null, Short)); // not ranked yet
        NetworkRanking.Run(dir, samples: 6, batches: 1);
        // the ranking's best is made a given network's: it is there to compare against, not to select
        var rankingPath = Path.Combine(dir, NetworkRanking.RankingFile);
        var ranking = RunFiles.ReadJson<NetworkRanking.Ranking>(rankingPath);
        ranking = ranking with { Candidates = [ranking.Candidates[0] with { Origin = "mine.json" }, .. ranking.Candidates.Skip(1)] };
        RunFiles.WriteJsonAtomic(rankingPath, ranking);

        var (best, selection) = TrainingSelection.Run(dir, top: 3, maxParameters: null, Short);

        Assert.Equal(3, selection.Candidates.Count);
        Assert.Equal(ranking.Candidates.Skip(1).Take(3).Select(c => c.Origin).Order(), selection.Candidates.Select(c => c.Origin).Order());
        Assert.Equal(new[] { 1, 2, 3 }, selection.Candidates.Select(c => c.RankingPlace).Order());
        Assert.Equal(selection.Candidates.OrderByDescending(c => c.ValidationPsnr).Select(c => c.Origin), selection.Candidates.Select(c => c.Origin));
        Assert.True(selection.Candidates.Select(c => c.ValidationPsnr).Distinct().Count() > 1, "the networks train to different scores");
        Assert.Equal(options.Data.ToString(), selection.Data); // the search's data when none is given
        foreach (var c in selection.Candidates)
        {
            var trained = TrainOptionsJson.Load(Path.Combine(dir, c.Training, TrainRun.OptionsFile));
            var summary = RunFiles.ReadJson<TrainSummary>(Path.Combine(dir, c.Training, TrainRun.SummaryFile));
            Assert.Equal(summary.BestValidationPsnr, c.ValidationPsnr);
            Assert.Equal((6, 2, 24, selection.Seed), (trained.Iterations, trained.Batch, trained.Crop, trained.Seed));
            Assert.Equal(c.Cells.Select(edges => new CellGenotype(edges).ToString()), trained.Architecture.Genotype!.Cells.Select(g => g.ToString()));
            Assert.Equal(c.WidthPath, trained.Architecture.Genotype.WidthPath);
        }
        var winner = selection.Candidates[0];
        Assert.Equal(winner.WidthPath, best.WidthPath);
        Assert.Equal(winner.Cells.Select(edges => new CellGenotype(edges).ToString()), best.Cells.Select(c => c.ToString()));
        Assert.Equal(best, GenotypeJson.Load(Path.Combine(dir, TrainingSelection.GenotypeFile)));
        Assert.NotNull(best.Alpha); // a mixture search's network keeps the α and β it was derived with
        Assert.Equal(selection.Candidates.Select(c => c.Origin), RunFiles.ReadJson<TrainingSelection.Selection>(Path.Combine(dir, TrainingSelection.SelectionFile)).Candidates.Select(c => c.Origin));

        // run again: the finished trainings are reused, not trained again
        var written = selection.Candidates.Select(c => File.GetLastWriteTimeUtc(Path.Combine(dir, c.Training, TrainRun.SummaryFile))).ToArray();
        var (again, second) = TrainingSelection.Run(dir, top: 3, maxParameters: null, Short);
        Assert.Equal(best, again);
        Assert.Equal(written, second.Candidates.Select(c => File.GetLastWriteTimeUtc(Path.Combine(dir, c.Training, TrainRun.SummaryFile))));

        // other settings over the same trainings are refused, naming what to delete
        var refused = Assert.Throws<InvalidOperationException>(() => TrainingSelection.Run(dir, top: 3, maxParameters: null, Short with { Iterations = 8 }));
        Assert.Contains(Path.Combine(dir, TrainingSelection.TrainingsFolder), refused.Message);

        // a ceiling keeps only networks under it; a network trained before is reused (the ranking's first own one is under this one)
        var ceiling = selection.Candidates.Max(c => c.Parameters);
        var (_, under) = TrainingSelection.Run(dir, top: 1, maxParameters: ceiling, Short);
        var first = Assert.Single(under.Candidates);
        Assert.Equal(selection.Candidates.Single(c => c.RankingPlace == 1).Training, first.Training);
        Assert.Equal(written[selection.Candidates.ToList().FindIndex(c => c.RankingPlace == 1)], File.GetLastWriteTimeUtc(Path.Combine(dir, first.Training, TrainRun.SummaryFile)));
        var smallest = ranking.Candidates.Skip(1).Min(c => c.Parameters);
        var (_, small) = TrainingSelection.Run(dir, top: 2, maxParameters: smallest, Short);
        Assert.All(small.Candidates, c => Assert.Equal(smallest, c.Parameters));
        Assert.Equal(smallest, small.MaxParameters);
    }

    [Fact]
    public void TheRankedNetworks_AreTakenRoundTheWidthPaths_EachPathsBestFirst_InRankingOrderWithinAPath()
    {
        static NetworkRanking.Candidate Ranked(string origin, params int[] widthPath) =>
            new() { Origin = origin, Psnr = 30, Parameters = 1000, WidthPath = widthPath, Cells = [] };
        NetworkRanking.Candidate[] ranking =
        [
            Ranked("a1", 0, 0, 0), Ranked("a2", 0, 0, 0), Ranked("b1", 0, 1, 0), Ranked("a3", 0, 0, 0),
            Ranked("c1", 1, 1, 1), Ranked("b2", 0, 1, 0), Ranked("a4", 0, 0, 0),
        ];

        var order = TrainingSelection.ByWidthPath(ranking).ToArray();

        Assert.Equal(new[] { "a1", "b1", "c1", "a2", "b2", "a3", "a4" }, order.Select(c => c.Ranked.Origin));
        Assert.Equal(new[] { 1, 3, 5, 2, 6, 4, 7 }, order.Select(c => c.Place)); // places in the ranking, not in the order
        // one width path: the ranking's own order
        Assert.Equal(new[] { "a1", "a2", "a3", "a4" }, TrainingSelection.ByWidthPath(ranking.Where(c => c.Origin[0] == 'a').ToArray()).Select(c => c.Ranked.Origin));
    }

    /// <summary>A micro search (seed 5) whose ranking holds 6 drawn networks, and those networks in ranking order.</summary>
    private static (SearchOptions Options, string Dir, NetworkRanking.Candidate[] Own) RankedMicroSearch()
    {
        var options = SearcherTests.Micro(RestorationTask.Denoise(25, 1), seed: 5);
        var dir = TempDir();
        Searcher.Run(options, dir);
        NetworkRanking.Run(dir, samples: 6, batches: 1);
        var own = RunFiles.ReadJson<NetworkRanking.Ranking>(Path.Combine(dir, NetworkRanking.RankingFile)).Candidates
            .Where(c => NetworkRanking.IsSearchOwn(c.Origin)).ToArray();
        return (options, dir, own);
    }

    [Fact]
    public void AFrameTimeCeiling_PassesOverSlowerNetworks_InRankingOrder_TimedAsTrained()
    {
        var (options, dir, own) = RankedMicroSearch();
        // a clock that cannot wobble (the CLI's is ONNX Runtime's, tested end to end): a millisecond per hundred parameters
        // of the network the options build — at width ×2 and the decoder, not the ranking's ×1 light-head count
        var timed = new List<TrainOptions>();
        double Clock(TrainOptions o)
        {
            timed.Add(o);
            using var network = o.BuildNetwork();
            return network.parameters().Sum(p => p.numel()) / 100.0;
        }
        var settings = Short with { WidthMultiplier = 2, Head = "decoder" };
        var ms = own.Select(c => Clock(TrainOptionsResolver.Resolve(options.Supernet.Space.Task,
            ArchitectureSpec.FromGenotype(new Genotype(options.Supernet.Space, c.Cells.Select(e => new CellGenotype(e)).ToArray(), c.WidthPath)), settings))).ToArray();
        timed.Clear();
        Assert.True(ms.Distinct().Count() > 1, "the networks differ in size");
        var ceiling = ms.Order().ElementAt(ms.Length / 2);

        var (_, selection) = TrainingSelection.Run(dir, top: 2, maxParameters: null, settings, maxLatency: TrainingSelection.LatencyCeiling.Within(ceiling, 64, 48, Clock));

        var expected = Enumerable.Range(0, own.Length).Where(i => ms[i] <= ceiling).Take(2).ToArray();
        Assert.Equal(expected.Select(i => (own[i].Origin, i + 1, (double?)ms[i])).Order(),
            selection.Candidates.Select(c => (c.Origin, c.RankingPlace, c.LatencyMs)).Order());
        Assert.Equal(Enumerable.Range(0, expected[^1]).Where(i => ms[i] > ceiling).Select(i => new TrainingSelection.PassedOver(own[i].Origin, i + 1, ms[i])),
            selection.OverCeiling);
        Assert.Equal(expected[^1] + 1, timed.Count); // timed in ranking order until enough were under the ceiling, no further
        Assert.Equal((ceiling, "64x48"), (selection.MaxMs, selection.LatencyResolution));

        var fastest = ms.Min();
        var none = Assert.Throws<ArgumentException>(() => TrainingSelection.Run(dir, top: 2, maxParameters: null, settings,
            maxLatency: TrainingSelection.LatencyCeiling.Within(fastest / 2, 64, 48, Clock)));
        Assert.Contains(FormattableString.Invariant($"none of the {own.Length} networks the search ranked runs within {fastest / 2} ms at 64x48"), none.Message);
        Assert.Contains(FormattableString.Invariant($"(the fastest: {fastest:F1} ms)"), none.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => TrainingSelection.Run(dir, 1, null, settings, maxLatency: TrainingSelection.LatencyCeiling.Within(0, 64, 48, Clock)));
        Assert.Throws<ArgumentOutOfRangeException>(() => TrainingSelection.Run(dir, 1, null, settings, maxLatency: TrainingSelection.LatencyCeiling.Within(double.NaN, 64, 48, Clock)));
    }

    [Fact]
    public void AReferenceCeiling_PassesOverNetworksSlowerThanTheReferenceTimedBesideEach_WhateverTheMachinesSpeedDoes()
    {
        var (options, dir, own) = RankedMicroSearch();
        static long Parameters(TrainOptions o)
        {
            using var network = o.BuildNetwork();
            return network.parameters().Sum(p => p.numel());
        }
        var size = own.Select(c => Parameters(TrainOptionsResolver.Resolve(options.Supernet.Space.Task,
            ArchitectureSpec.FromGenotype(new Genotype(options.Supernet.Space, c.Cells.Select(e => new CellGenotype(e)).ToArray(), c.WidthPath)), Short))).ToArray();
        Assert.True(size.Distinct().Count() > 1, "the networks differ in size");
        var median = size.Order().ElementAt(size.Length / 2);
        // a machine whose speed halves with every timing: an absolute ceiling would pass the first networks and refuse the
        // later ones; side by side, candidate and reference slow alike. The reference "runs" as the median network.
        var slowdown = 1.0;
        var references = new List<ArchitectureSpec>();
        (double, double) SideBySide(TrainOptions candidate, TrainOptions reference)
        {
            references.Add(reference.Architecture);
            slowdown *= 2;
            return (Parameters(candidate) / 100.0 * slowdown, median / 100.0 * slowdown);
        }

        var (_, selection) = TrainingSelection.Run(dir, top: 2, maxParameters: null, Short,
            maxLatency: TrainingSelection.LatencyCeiling.AsFastAs("dncnn:3:8", 64, 48, SideBySide));

        var expected = Enumerable.Range(0, own.Length).Where(i => size[i] <= median).Take(2).ToArray();
        Assert.Equal(expected.Select(i => own[i].Origin).Order(), selection.Candidates.Select(c => c.Origin).Order());
        Assert.Equal(Enumerable.Range(0, expected[^1]).Where(i => size[i] > median).Select(i => own[i].Origin), selection.OverCeiling.Select(o => o.Origin));
        Assert.All(selection.Candidates, c => Assert.True(c.LatencyMs <= c.ReferenceMs));
        Assert.All(selection.OverCeiling, o => Assert.True(o.LatencyMs > o.ReferenceMs));
        Assert.Equal(("dncnn:3:8", (double?)null, "64x48"), (selection.AsFastAs, selection.MaxMs, selection.LatencyResolution));
        // the reference is the hand design named, built for the run's task, no HiNAS retraining settings
        Assert.All(references, r => Assert.Equal((ArchitectureSpec.DnCnnKind, (int?)3, (int?)8, (double?)null), (r.Kind, r.Depth, r.Width, r.WidthMultiplier)));

        var none = Assert.Throws<ArgumentException>(() => TrainingSelection.Run(dir, top: 2, maxParameters: null, Short,
            maxLatency: TrainingSelection.LatencyCeiling.AsFastAs("dncnn:3:8", 64, 48, (c, _) => (Parameters(c) / 100.0, 0.001))));
        Assert.Contains("runs as fast as dncnn:3:8 at 64x48 (timed side by side)", none.Message);
        Assert.Contains("against its 0.0", none.Message);
        var unknown = Assert.Throws<SettingException>(() => TrainingSelection.Run(dir, 1, null, Short, maxLatency: TrainingSelection.LatencyCeiling.AsFastAs("unet:3:8", 64, 48, SideBySide)));
        Assert.Contains("'unet'", unknown.Message);
        var badDepth = Assert.Throws<SettingException>(() => TrainingSelection.Run(dir, 1, null, Short, maxLatency: TrainingSelection.LatencyCeiling.AsFastAs("dncnn:three:8", 64, 48, SideBySide)));
        Assert.Contains("the depth must be a positive integer", badDepth.Message);
    }

    [Fact]
    public void BadRequests_AreRefusedByName_BeforeAnyTraining()
    {
        var dir = TempDir();
        Assert.Contains("not a search run", Assert.Throws<FileNotFoundException>(() => TrainingSelection.Run(dir, 1, null, Short)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => TrainingSelection.Run(dir, 0, null, Short));
        Assert.Throws<ArgumentOutOfRangeException>(() => TrainingSelection.Run(dir, TrainingSelection.MaxTop + 1, null, Short));
        Assert.Throws<ArgumentOutOfRangeException>(() => TrainingSelection.Run(dir, 1, 0, Short));

        var options = SearcherTests.Micro(RestorationTask.Denoise(25, 1)) with { Epochs = 1 };
        Searcher.Run(options, dir);
        var noRanking = Assert.Throws<FileNotFoundException>(() => TrainingSelection.Run(dir, 1, null, Short));
        Assert.Contains("--by ranking", noRanking.Message);
        NetworkRanking.Run(dir, samples: 2, batches: 1);
        var tooSmall = Assert.Throws<ArgumentException>(() => TrainingSelection.Run(dir, 1, 10, Short));
        Assert.Contains("at most 10 parameters", tooSmall.Message);
        var badSetting = Assert.Throws<SettingException>(() => TrainingSelection.Run(dir, 1, null, Short with { Crop = 1 }));
        Assert.Contains("crop", badSetting.Message);
        Assert.False(Directory.Exists(Path.Combine(dir, TrainingSelection.TrainingsFolder)));
        Assert.False(File.Exists(Path.Combine(dir, TrainingSelection.SelectionFile)));
    }
}
