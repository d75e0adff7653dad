using HiNas.Imaging.Randomness;
using HiNas.Imaging.Tasks;
using HiNas.Nas.Genotypes;
using HiNas.Nas.Runs;
using HiNas.Nas.Settings;
using HiNas.Search.Searching;
using TorchSharp;

namespace HiNas.Search.Tests.Searching;

/// <summary>Single-path supernet training: each weight step trains the network it draws and nothing else; the search ends by ranking.</summary>
public sealed class SinglePathTests
{
    private static string TempDir() => TestFolders.TempDir("hinas-search-tests");

    internal static SearchOptions SinglePath(ulong seed = 5) => SearcherTests.Micro(RestorationTask.Denoise(25, 1), seed).WithWeightOptimizer(WeightOptimizers.Adam)
        with { SupernetTraining = SupernetTrainings.SinglePath, RankedNetworks = 4 };

    [Fact]
    public void AWeightStep_ChangesTheWeightsOfTheDrawnNetworkOnly()
    {
        using var session = new SearchSession(SinglePath());
        session.WeightStep(drawNetwork: true); // the optimiser's state of one network exists from here on: its moments must not move it again
        var before = session.Network.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
        var drawn = session.DrawSubnetwork(DeterministicRandom.FromState(session.Random.GetState()));

        session.WeightStep(drawNetwork: true);

        var changed = session.Network.named_parameters().Where(p => !p.parameter.detach().allclose(before[p.name], 0, 0)).Select(p => p.name).ToArray();
        Assert.NotEmpty(changed);
        Assert.All(changed, name => Assert.True(InNetwork(name, drawn), $"{name} is not in the drawn network (path [{string.Join(",", drawn.WidthPath)}])"));
        // inside the drawn cells, only the chosen edges' chosen operations
        var nonNone = HiNas.Nas.Space.OperationNames.All.Where(o => o != HiNas.Nas.Space.OperationNames.None).ToList();
        var chosen = Enumerable.Range(1, drawn.Layers).SelectMany(l => Enumerable.Range(0, drawn.Blocks).SelectMany(node =>
        {
            var (first, second) = drawn.Cells[l - 1].Node(node);
            return new[] { first, second }.Select(e =>
                $"cells.l{l}_w{drawn.WidthPath[l - 1]}.edges.{HiNas.Nas.Space.CellTopology.Edge(node, e.Input)}.ops.{nonNone.IndexOf(e.Op)}.");
        })).ToArray();
        Assert.All(changed.Where(n => n.StartsWith("cells.")), name => Assert.Contains(chosen, name.StartsWith));
        Assert.Null(session.Network.Subnetwork); // the supernet is whole again between steps
    }

    /// <summary>Whether a parameter or buffer of the supernet belongs to the network on <paramref name="network"/>'s width path.</summary>
    private static bool InNetwork(string name, Genotype network)
    {
        var path = network.WidthPath;
        var prefixes = new List<string> { "stem.", $"heads.w{path[^1]}." };
        for (var l = 1; l <= path.Count; l++)
            prefixes.AddRange(new[] { $"cells.l{l}_w{path[l - 1]}.", $"preprocess.l{l}_w{path[l - 1]}.", $"routers.l{l}_w{path[l - 1]}_from{(l == 1 ? 0 : path[l - 2])}." });
        return prefixes.Any(name.StartsWith);
    }

    [Fact]
    public void ASubnetworkTrainedAlone_Learns()
    {
        var options = SearcherTests.Micro(RestorationTask.Denoise(25, 1), 5).WithWeightOptimizer(WeightOptimizers.Adam) with { Batch = 4 };
        using var session = new SearchSession(options);
        session.Network.SetSubnetwork(session.DrawSubnetwork(new DeterministicRandom(3)));
        session.RecalibrateBatchNorm(4);
        var before = session.Validation.MeanPsnr(session.Network, session.Device);
        for (var i = 0; i < 60; i++) session.WeightStep(); // a mixture search's step on the supernet as it is set: this network
        session.RecalibrateBatchNorm(4);
        var after = session.Validation.MeanPsnr(session.Network, session.Device);
        Assert.True(after > before + 1, $"{before:F2} → {after:F2} dB");
    }

    [Fact]
    public void RecalibratingTwice_GivesTheSameStatistics_OfTheSubnetworksNormsOnly()
    {
        using var session = new SearchSession(SinglePath());
        Assert.Throws<InvalidOperationException>(() => session.RecalibrateBatchNorm(2)); // the mixture's statistics are the search's own
        for (var i = 0; i < 3; i++) session.WeightStep(drawNetwork: true);
        var network = session.DrawSubnetwork(new DeterministicRandom(8));
        session.Network.SetSubnetwork(network);
        Dictionary<string, float[]> Buffers() => session.Network.named_buffers().ToDictionary(b => b.name, b => b.buffer.data<float>().ToArray());
        var before = Buffers();

        session.RecalibrateBatchNorm(3);
        var first = Buffers();
        session.RecalibrateBatchNorm(3);

        Assert.Equal(first, Buffers());
        var changed = first.Keys.Where(k => !first[k].SequenceEqual(before[k])).ToArray();
        Assert.NotEmpty(changed);
        Assert.All(changed, name => Assert.True(InNetwork(name, network), $"{name} is not in the network"));
    }

    [Fact]
    public void AResumedSinglePathSearch_CountsItsStepsFromWhereItStopped()
    {
        var dir = TempDir();
        var options = SinglePath() with { Epochs = 3, Warmup = 1, StepsPerEpoch = 2, SinglePathStepsPerEpoch = 3, RankedNetworks = 1 };
        using var stop = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => Searcher.Run(options, dir,
            new SynchronousProgress<SearchEvent>(e => { if (e is { Kind: "epoch", Epoch: 2 }) stop.Cancel(); }), stop.Token));

        var resumed = new List<SearchEvent>();
        Searcher.Resume(dir, new SynchronousProgress<SearchEvent>(resumed.Add));

        // epochs 1 (2 warm-up steps) and 2 (3 single-path steps) were done: epoch 3's steps are 6, 7, 8 of 8
        Assert.Equal(new long[] { 6, 7, 8 }, resumed.Where(e => e.Kind == "step").Select(e => e.CompletedSteps));
        Assert.All(resumed, e => Assert.Equal(8, e.TotalSteps));
        Assert.All(resumed.Where(e => e.Kind == "step"), e => Assert.Equal(3, e.StepsPerEpoch));
    }

    [Fact]
    public void ASinglePathSearch_TrainsNoAlphaOrBeta_AndDerivesByRanking()
    {
        var dir = TempDir();
        var events = new List<SearchEvent>();
        var options = SinglePath() with { Epochs = 3, Warmup = 1, StepsPerEpoch = 4, SinglePathStepsPerEpoch = 6 };

        var genotype = Searcher.Run(options, dir, new SynchronousProgress<SearchEvent>(events.Add));

        Assert.Null(genotype.Alpha); // nothing trained α and β: the genotype does not carry them
        Assert.Equal(genotype, GenotypeJson.Load(Path.Combine(dir, SearchRun.GenotypeFile)));
        Assert.Equal(genotype, GenotypeJson.Load(Path.Combine(dir, NetworkRanking.GenotypeFile)));
        var ranking = RunFiles.ReadJson<NetworkRanking.Ranking>(Path.Combine(dir, NetworkRanking.RankingFile));
        Assert.Equal(genotype.Cells.Select(c => c.Edges), ranking.Candidates[0].Cells);
        Assert.All(ranking.Candidates, c => Assert.StartsWith("drawn:", c.Origin));
        Assert.All(events.Where(e => e.Kind == "step"), e => Assert.Null(e.ArchitectLoss));
        // the warm-up epoch takes steps_per_epoch steps, each single-path epoch single_path_steps_per_epoch
        var steps = events.Where(e => e.Kind == "step").ToList();
        Assert.Equal(new[] { 4, 6, 6 }, steps.GroupBy(e => e.Epoch).Select(g => g.Count()));
        Assert.Equal(Enumerable.Range(1, 16).Select(i => (long)i), steps.Select(e => e.CompletedSteps));
        Assert.All(events, e => Assert.Equal(16, e.TotalSteps));
        Assert.Equal(new long[] { 4, 10, 16, 16 }, events.Where(e => e.Kind != "step").Select(e => e.CompletedSteps));
        Assert.All(events.Where(e => e.Kind != "completed"), e => Assert.Equal(e.Epoch == 1 ? "warmup" : SupernetTrainings.SinglePath, e.Phase));
        Assert.All(events.Where(e => e.Kind == "epoch"), e => Assert.InRange(e.ValidationPsnr!.Value, 5, 60));
        Assert.False(File.Exists(Path.Combine(dir, SearchRun.LastGenotypeFile)));
        Assert.Contains("single-path", Assert.Throws<InvalidOperationException>(() => PerturbationSelection.Run(dir)).Message);
        // ranked again with its own network given beside the draws: the same draws, and that network keeps its drawn origin
        var again = NetworkRanking.Run(dir, batches: 1, given: new[] { ("mine.json", genotype) }).Ranking;
        Assert.Equal(ranking.Candidates.Select(c => c.Origin).Order(), again.Candidates.Select(c => c.Origin).Order());
        Assert.StartsWith("drawn:", again.Candidates.Single(c => c.WidthPath.SequenceEqual(genotype.WidthPath)
            && c.Cells.Zip(genotype.Cells).All(p => p.First.SequenceEqual(p.Second.Edges))).Origin);
        using var session = SearchSession.OpenTrained(dir);
        Assert.All(session.Network.AlphaSnapshot().SelectMany(r => r.SelectMany(e => e)), a => Assert.InRange(a, -0.01, 0.01)); // as initialised
    }
}
