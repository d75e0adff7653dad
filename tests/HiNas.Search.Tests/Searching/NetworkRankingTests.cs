using HiNas.Imaging.Tasks;
using HiNas.Nas.Genotypes;
using HiNas.Nas.Runs;
using HiNas.Search.Searching;

namespace HiNas.Search.Tests.Searching;

/// <summary>Ranking whole networks on a micro search's trained supernet: what is measured, written and refused.</summary>
public sealed class NetworkRankingTests
{
    private static string TempDir() => TestFolders.TempDir("hinas-search-tests");

    [Fact]
    public void AMixtureRun_RanksAlphasNetworkAndDrawnOnesOnBetasPath_BestFirst_AsMeasuredByHand()
    {
        var options = SearcherTests.Micro(RestorationTask.Denoise(25, 1), seed: 3);
        var dir = TempDir();
        var searched = Searcher.Run(options, dir);
        var alphaNetwork = GenotypeJson.Load(Path.Combine(dir, SearchRun.LastGenotypeFile));

        var (best, ranking) = NetworkRanking.Run(dir, samples: 6, batches: 2);

        Assert.Equal(best, GenotypeJson.Load(Path.Combine(dir, NetworkRanking.GenotypeFile)));
        Assert.Equal(ranking, RunFiles.ReadJson<NetworkRanking.Ranking>(Path.Combine(dir, NetworkRanking.RankingFile)), new RankingComparer());
        Assert.Equal(ranking.Candidates.OrderByDescending(c => c.Psnr).Select(c => c.Origin), ranking.Candidates.Select(c => c.Origin));
        Assert.Contains(ranking.Candidates, c => c.Origin == "alpha" && c.Cells.Zip(alphaNetwork.Cells).All(p => p.First.SequenceEqual(p.Second.Edges)));
        Assert.All(ranking.Candidates, c => Assert.Equal(alphaNetwork.WidthPath, c.WidthPath));
        Assert.True(ranking.Candidates.Count >= 5, "the draws differ from each other and from α's network");
        Assert.True(ranking.Candidates.Select(c => c.Psnr).Distinct().Count() > 1, "the networks score differently");
        Assert.Equal(alphaNetwork.Alpha!.SelectMany(r => r.SelectMany(e => e)), best.Alpha!.SelectMany(r => r.SelectMany(e => e))); // the α it was ranked on

        // the best one's score, by hand, on the same checkpoint
        using var session = SearchSession.OpenTrained(dir);
        session.Network.SetSubnetwork(best);
        session.RecalibrateBatchNorm(2);
        Assert.Equal(ranking.Candidates[0].Psnr, session.Validation.MeanPsnr(session.Network, session.Device), 6);

        // a ceiling leaves the larger networks out
        var ceiling = ranking.Candidates.Min(c => c.Parameters);
        var (_, small) = NetworkRanking.Run(dir, samples: 6, batches: 2, maxParameters: ceiling);
        Assert.All(small.Candidates, c => Assert.Equal(ceiling, c.Parameters));
    }

    [Fact]
    public void NetworksThatCannotRunAlone_OrOfAnotherSpace_AreRefusedByName()
    {
        var options = SearcherTests.Micro(RestorationTask.Denoise(25, 1)) with { Epochs = 1, Supernet = Supernets.SupernetTests.Tiny(RestorationTask.Denoise(25, 1), layers: 3) };
        var dir = TempDir();
        Searcher.Run(options, dir);
        var space = options.Supernet.Space;
        var stranded = RandomGenotype.Sample(space, 1).OnWidthPath(new[] { 1, 0, 0 });

        var error = Assert.Throws<ArgumentException>(() => NetworkRanking.Run(dir, samples: 0, batches: 1, given: new[] { ("mine.json", stranded) }));
        Assert.Contains("candidate 'mine.json'", error.Message);
        Assert.Contains("layer 3", error.Message);
        Assert.False(File.Exists(Path.Combine(dir, NetworkRanking.RankingFile)));
        Assert.Throws<ArgumentOutOfRangeException>(() => NetworkRanking.Run(dir, samples: -1));

        var wider = RandomGenotype.Sample(new HiNas.Nas.Space.SearchSpace(space.Task, space.Layers, space.Blocks, space.Filters + 2, space.WidthFactors, space.StemChannels), 1);
        error = Assert.Throws<ArgumentException>(() => NetworkRanking.Run(dir, samples: 0, batches: 1, given: new[] { ("wider.json", wider) }));
        Assert.Contains("another search space", error.Message);

        // β's own path [1, 0, 0] cannot run alone either: nothing on it can be ranked
        using var session = SearchSession.OpenTrained(dir);
        var beta = session.Network.BetaSnapshot();
        var lattice = session.Network.Lattice;
        beta[lattice.SourceIndex(0, 0)][HiNas.Nas.Space.WidthLattice.Up] = 20;
        beta[lattice.SourceIndex(1, 1)][HiNas.Nas.Space.WidthLattice.Down] = 20;
        beta[lattice.SourceIndex(2, 0)][HiNas.Nas.Space.WidthLattice.Same] = 20;
        session.Network.SetArchitecture(session.Network.AlphaSnapshot(), beta);
        Assert.Equal(new[] { 1, 0, 0 }, session.Network.Derive().WidthPath);
        var refused = Assert.Throws<InvalidOperationException>(() => NetworkRanking.Rank(session, dir, samples: 2, batches: 1));
        Assert.Contains("[1, 0, 0] does not run on its own", refused.Message);
    }

    [Theory]
    [InlineData("alpha", true)]
    [InlineData("perturbation", true)]
    [InlineData("drawn:28", true)]
    [InlineData("alpha-sample:3", true)]
    [InlineData("uniform:64", true)]
    [InlineData("mine.json", false)]
    [InlineData("runs/drawn.json", false)]
    [InlineData("drawn:", false)]
    [InlineData("drawn:../../etc", false)]
    [InlineData("drawn:1:2", false)]
    [InlineData("alpha:1", false)]
    public void TheSearchsOwnOrigins_AreTheOnesItWrites(string origin, bool own) => Assert.Equal(own, NetworkRanking.IsSearchOwn(origin));

    private sealed class RankingComparer : IEqualityComparer<NetworkRanking.Ranking>
    {
        public bool Equals(NetworkRanking.Ranking? a, NetworkRanking.Ranking? b) =>
            a!.Batches == b!.Batches && a.Candidates.Count == b.Candidates.Count
            && a.Candidates.Zip(b.Candidates).All(p => p.First.Origin == p.Second.Origin && p.First.Psnr == p.Second.Psnr && p.First.Cells.Zip(p.Second.Cells).All(c => c.First.SequenceEqual(c.Second)));

        public int GetHashCode(NetworkRanking.Ranking r) => r.Candidates.Count;
    }
}
