using HiNas.Search.Runtime;
using HiNas.Imaging.Tasks;
using HiNas.Search.Checkpoints;
using HiNas.Search.Data;
using HiNas.Search.Networks;
using HiNas.Search.Searching;
using HiNas.Search.Supernets;
using HiNas.Search.Tests.Supernets;
using HiNas.Search.Tests.Training;
using HiNas.Nas.Genotypes;
using HiNas.Nas.Runs;
using HiNas.Nas.Settings;
using HiNas.Nas.Space;
using TorchSharp;

namespace HiNas.Search.Tests.Searching;

public class SearcherTests
{
    private static string TempDir() => TestFolders.TempDir("hinas-search-tests");

    internal static SearchOptions Micro(RestorationTask task, ulong seed = 7) => new()
    {
        Supernet = SupernetTests.Tiny(task, layers: 2),
        Data = new DataSpec { DeadLeavesCount = 6, DeadLeavesSize = 40 },
        Epochs = 2,
        Warmup = 0,
        StepsPerEpoch = 3,
        Batch = 2,
        Crop = 24,
        Seed = seed,
        Threads = 2,
        ArchitectLearningRate = 0.05,
    };

    [Fact]
    public void MicroSearchRunsChangesAlphaBetaAndWritesItsRun()
    {
        var dir = TempDir();
        var events = new List<SearchEvent>();
        var options = Micro(RestorationTask.Denoise(25, 1));
        using var initial = TorchRuntime.Seeded(1, () => new Supernet(options.Supernet));

        var genotype = Searcher.Run(options, dir, new SynchronousProgress<SearchEvent>(events.Add));

        // α and β moved away from their ~1e-3 initialisation.
        Assert.Contains(genotype.Alpha!.SelectMany(l => l.SelectMany(e => e)), v => Math.Abs(v) > 0.01);
        Assert.Contains(genotype.Beta!.SelectMany(r => r).Where(v => v > -49), v => Math.Abs(v) > 0.01);
        Assert.Equal(genotype, GenotypeJson.Load(Path.Combine(dir, SearchRun.GenotypeFile)));
        Assert.True(File.Exists(Path.Combine(dir, SearchRun.OptionsFile)));
        Assert.Equal(options.RunName, SearchOptionsJson.Load(Path.Combine(dir, SearchRun.OptionsFile)).RunName);
        Assert.Equal(6 + 2 + 1, events.Count);
        Assert.Equal(events.Count, File.ReadAllLines(Path.Combine(dir, SearchRun.EventsFile)).Length);
        var epochEvents = events.Where(e => e.Kind == "epoch").ToArray();
        Assert.Equal(2, epochEvents.Length);
        Assert.All(epochEvents, e => Assert.InRange(e.ValidationPsnr!.Value, 5, 60));
        Assert.NotNull(SearchCheckpoint.FindLatest(dir));
        Assert.Throws<IOException>(() => Searcher.Run(options, dir));
    }

    /// <summary>
    /// With the retraining's recipe the supernet's weights are Adam's and both steps descend the per-sample log-MSE: its
    /// values are log10 of an MSE below 1, negative, where the paper's MSE + SSIM loss is positive.
    /// </summary>
    [Fact]
    public void TheRetrainingsRecipe_UpdatesTheWeightsWithAdam_OnTheLossItNames()
    {
        var paper = Micro(RestorationTask.Denoise(25, 1));
        var recipe = paper.WithWeightOptimizer(WeightOptimizers.Adam) with { PixelLoss = PixelLosses.LogMse };
        using (var session = new SearchSession(recipe)) Assert.IsType<TorchSharp.Modules.Adam>(session.WeightOptimizer);
        using (var session = new SearchSession(paper)) Assert.IsType<TorchSharp.Modules.SGD>(session.WeightOptimizer);

        double[] Losses(SearchOptions options)
        {
            var events = new List<SearchEvent>();
            Searcher.Run(options, TempDir(), new SynchronousProgress<SearchEvent>(events.Add));
            return events.Where(e => e.Kind == "step").SelectMany(e => new[] { e.WeightLoss!.Value, e.ArchitectLoss!.Value }).ToArray();
        }
        Assert.All(Losses(recipe), loss => Assert.InRange(loss, -5, 0));
        Assert.All(Losses(paper), loss => Assert.True(loss > 0, $"the paper's loss {loss} is not positive"));
    }

    /// <summary>
    /// A search's supernet starts as the identity restoration, as a training does (<see cref="IdentityStart"/>): its
    /// input back (denoising) or the bicubic upsampling (SR), where the same supernet at libtorch's default start is not.
    /// </summary>
    [Theory]
    [InlineData("denoise")]
    [InlineData("sr")]
    public void AFreshSearch_StartsItsSupernetAsTheIdentityRestoration(string kind)
    {
        var task = kind == "sr" ? RestorationTask.SuperResolution(2, 3) : RestorationTask.Denoise(25, 1);
        var options = Micro(task);
        using var session = new SearchSession(options);
        using var untouched = TorchRuntime.Seeded(options.Seed, () => new Supernet(options.Supernet));
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        session.Network.eval();
        untouched.eval();
        var x = torch.rand(new long[] { 1, task.Channels, 16, 20 }, generator: new torch.Generator(3));
        var identity = task.Kind == RestorationKind.Denoise ? x : TaskResidual.Upsample(x, task.Scale);

        Assert.True(IdentityStartTests.MaxDifference(untouched.call(x), identity) > 1e-3, "the supernet at libtorch's start is already the identity; the test cannot tell");
        Assert.True(IdentityStartTests.MaxDifference(session.Network.call(x), identity) < 1e-5, "a fresh search's supernet does not start as the identity restoration");
    }

    [Theory]
    [InlineData(WeightOptimizers.Sgd)]
    [InlineData(WeightOptimizers.Adam)]
    public void ResumingFromTheEpochOneCheckpointMatchesTheUninterruptedRun(string weightOptimizer)
    {
        // with skip and operation dropout, whose masks must also be drawn again the same way after the resume
        var options = Micro(RestorationTask.SuperResolution(2, 3), seed: 11).WithWeightOptimizer(weightOptimizer) with { SkipDropout = 0.3, OperationDropout = 0.2 };
        var straight = Searcher.Run(options, TempDir());

        var dir = TempDir();
        using var stop = new CancellationTokenSource();
        var progress = new SynchronousProgress<SearchEvent>(e =>
        {
            if (e is { Kind: "epoch", Epoch: 1 }) stop.Cancel();
        });
        Assert.ThrowsAny<OperationCanceledException>(() => Searcher.Run(options, dir, progress, stop.Token));
        Assert.False(File.Exists(Path.Combine(dir, SearchRun.GenotypeFile)));

        var saved = SearchOptionsJson.Load(Path.Combine(dir, SearchRun.OptionsFile));
        Assert.Equal((0.3, 0.2), (saved.SkipDropout, saved.OperationDropout));
        var resumed = Searcher.Resume(dir);

        Assert.Equal(straight.Alpha!.Length, resumed.Alpha!.Length);
        AssertClose(straight.Alpha.SelectMany(l => l.SelectMany(e => e)), resumed.Alpha.SelectMany(l => l.SelectMany(e => e)));
        AssertClose(straight.Beta!.SelectMany(r => r), resumed.Beta!.SelectMany(r => r));
        Assert.Equal(straight.Cells, resumed.Cells);
        Assert.Equal(straight.WidthPath, resumed.WidthPath);
        var epochs = JsonLines.Read<SearchEvent>(Path.Combine(dir, SearchRun.EventsFile)).Where(e => e.Kind == "epoch").Select(e => e.Epoch);
        Assert.Equal(new[] { 1, 2 }, epochs);
    }

    [Fact]
    public void TheBestValidationGenotypeAfterSixtyPercentIsChosen_BothAreKept_AndAResumeKeepsTheBest()
    {
        var options = Micro(RestorationTask.Denoise(25, 1), seed: 5) with { Epochs = 5, StepsPerEpoch = 2 };
        var dir = TempDir();
        var events = new List<SearchEvent>();
        var chosen = Searcher.Run(options, dir, new SynchronousProgress<SearchEvent>(events.Add));

        var epochs = events.Where(e => e.Kind == "epoch").ToArray();
        var window = epochs.Where(e => e.Epoch > 3).ToArray(); // after 60 % of 5 epochs: epochs 4 and 5
        var best = window.OrderByDescending(e => e.ValidationPsnr).First();
        var completed = events.Single(e => e.Kind == "completed");
        Assert.Equal(best.Epoch, completed.ChosenEpoch);
        Assert.Equal(best.Genotype, chosen.ToString());
        Assert.Equal(chosen, GenotypeJson.Load(Path.Combine(dir, SearchRun.GenotypeFile)));
        Assert.Equal(chosen, GenotypeJson.Load(Path.Combine(dir, SearchRun.BestGenotypeFile)));
        var last = GenotypeJson.Load(Path.Combine(dir, SearchRun.LastGenotypeFile));
        Assert.Equal(epochs[^1].Genotype, last.ToString());
        Assert.Equal(chosen.AlphaEntropy, completed.AlphaEntropy);
        Assert.Equal(chosen.BetaEntropy, completed.BetaEntropy);
        Assert.InRange(completed.BetaEntropy!.Value, 0.5, 1);
        Assert.All(epochs, e => Assert.NotNull(e.AlphaEntropy));
        Assert.All(epochs, e => Assert.Equal(OperationNames.All, e.OperationShares!.Keys));
        Assert.Equal(OperationShares.Of(chosen.Alpha!), completed.OperationShares);

        // interrupted after the window's first epoch: its checkpoint carries the best so far, and the resumed run chooses the same
        var resumedDir = TempDir();
        using var stop = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => Searcher.Run(options, resumedDir,
            new SynchronousProgress<SearchEvent>(e => { if (e is { Kind: "epoch", Epoch: 4 }) stop.Cancel(); }), stop.Token));
        var state = RunFiles.ReadJson<SearchCheckpoint.State>(Path.Combine(SearchCheckpoint.FindLatest(resumedDir)!, "state.json"));
        Assert.Equal(4, state.BestEpoch);
        Assert.Equal(window[0].ValidationPsnr!.Value, state.BestValidationPsnr!.Value, 9);
        Assert.Equal(window[0].Genotype, GenotypeJson.Deserialize(state.BestGenotype!).ToString());
        var resumedEvents = new List<SearchEvent>();
        var resumed = Searcher.Resume(resumedDir, new SynchronousProgress<SearchEvent>(resumedEvents.Add));
        Assert.Equal(completed.ChosenEpoch, resumedEvents.Single(e => e.Kind == "completed").ChosenEpoch);
        Assert.Equal(chosen.Cells, resumed.Cells);
        Assert.Equal(chosen.WidthPath, resumed.WidthPath);
    }

    private static void AssertClose(IEnumerable<double> expected, IEnumerable<double> actual)
    {
        foreach (var (e, a) in expected.Zip(actual)) Assert.Equal(e, a, 6);
    }
}

/// <summary>IProgress that reports on the calling thread (Progress&lt;T&gt; posts to the thread pool).</summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
