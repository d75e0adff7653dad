using HiNas.Imaging.Tasks;
using HiNas.Nas.Genotypes;
using HiNas.Nas.Runs;
using HiNas.Nas.Settings;
using HiNas.Nas.Space;
using HiNas.Search.Checkpoints;
using HiNas.Search.Searching;
using TorchSharp;

namespace HiNas.Search.Tests.Searching;

/// <summary>Perturbation selection on a micro search's trained supernet: measured strengths, the genotype they give, α untouched.</summary>
public sealed class PerturbationSelectionTests
{
    private static string TempDir() => TestFolders.TempDir("hinas-search-tests");

    [Fact]
    public void EachStrength_IsThePsnrWithTheEdgeReducedToTheOperation_LessWithoutTheEdge_AndChoosesTheCells()
    {
        var options = SearcherTests.Micro(RestorationTask.Denoise(25, 1), seed: 3);
        var dir = TempDir();
        Searcher.Run(options, dir);
        var alphaBefore = GenotypeJson.Load(Path.Combine(dir, SearchRun.LastGenotypeFile)).Alpha!;

        var selected = PerturbationSelection.Run(dir);

        var strengths = RunFiles.ReadJson<PerturbationSelection.Strengths>(Path.Combine(dir, PerturbationSelection.StrengthsFile));
        Assert.Equal(selected, GenotypeJson.Load(Path.Combine(dir, PerturbationSelection.GenotypeFile)));
        for (var l = 0; l < options.Supernet.Layers; l++)
            Assert.Equal(Derivation.DeriveCellByStrength(strengths.Strength[l], options.Supernet.Blocks), selected.Cells[l]);
        // the genotype records the supernet's own α: the measurement put every edge back
        Assert.Equal(alphaBefore.SelectMany(r => r.SelectMany(e => e)), selected.Alpha!.SelectMany(r => r.SelectMany(e => e)));
        Assert.Contains(strengths.Strength.SelectMany(r => r.SelectMany(e => e)), v => Math.Abs(v) > 1e-4); // the edges matter

        // one strength measured here, by hand, on the same checkpoint: layer 2, the edge from node 0 into node 1, dil_conv_3x3
        using var session = new SearchSession(options);
        SearchCheckpoint.Load(SearchCheckpoint.FindLatest(dir)!, session.Network, session.WeightOptimizer, session.Architect.Optimizer);
        var (edge, op) = (CellTopology.Edge(1, 2), OperationNames.IndexOf(OperationNames.DilConv3x3));
        var mixed = session.SelectionValidation.MeanPsnr(session.Network, session.Device);
        var kept = session.Network.AlphaSnapshot().Select(r => r.Select(e => e.Select(_ => 1.0).ToArray()).ToArray()).ToArray();
        kept[1][edge][op] = 0;
        session.Network.SetOperationMask(kept);
        var without = session.SelectionValidation.MeanPsnr(session.Network, session.Device);
        Assert.Equal(mixed, strengths.MixedPsnr, 9);
        Assert.Equal(mixed - without, strengths.Strength[1][edge][op], 9);
        Assert.NotEqual(0, mixed - without); // taking an operation out changes the supernet
    }

    [Fact]
    public void ARunWithoutCheckpoints_IsRefusedByName()
    {
        var dir = TempDir();
        var error = Assert.Throws<FileNotFoundException>(() => PerturbationSelection.Run(dir));
        Assert.Contains("is not a search run", error.Message);

        var options = SearcherTests.Micro(RestorationTask.Denoise(25, 1)) with { Epochs = 1 };
        Searcher.Run(options, dir);
        Directory.Delete(Path.Combine(dir, SearchRun.CheckpointsFolder), recursive: true);
        error = Assert.Throws<FileNotFoundException>(() => PerturbationSelection.Run(dir));
        Assert.Contains("has no checkpoint to measure", error.Message);
        Assert.False(File.Exists(Path.Combine(dir, PerturbationSelection.GenotypeFile)));
    }
}
