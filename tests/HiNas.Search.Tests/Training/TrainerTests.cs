using HiNas.Imaging.Evaluation;
using HiNas.Imaging.IO;
using HiNas.Imaging.Tasks;
using HiNas.Search.Data;
using HiNas.Search.Evaluation;
using HiNas.Imaging.Datasets;
using HiNas.Search.Networks;
using HiNas.Search.Operations;
using HiNas.Search.Runtime;
using HiNas.Search.Tests.Searching;
using HiNas.Search.Training;
using HiNas.Nas.Genotypes;
using HiNas.Nas.Runs;
using HiNas.Nas.Settings;
using HiNas.Nas.Space;

namespace HiNas.Search.Tests.Training;

public class TrainerTests
{
    private static string TempDir() => TestFolders.TempDir("hinas-train-tests");

    internal static TrainOptions Tiny(RestorationTask task, ArchitectureSpec spec, int iterations = 40) => new()
    {
        Task = task,
        Architecture = spec,
        Data = new DataSpec { DeadLeavesCount = 8, DeadLeavesSize = 48 },
        Iterations = iterations,
        Batch = 4,
        Crop = 24,
        LearningRate = 2e-3,
        ValidateEvery = 20,
        Seed = 3,
        Threads = 2,
    };

    private static Genotype SmallGenotype(RestorationTask task) => RandomGenotype.Sample(new SearchSpace(task, 2, 2, 6, SearchSpace.DefaultWidthFactors, 8), seed: 4);

    [Fact]
    public void AFewDozenStepsLowerTheLossAndKeepTheBest()
    {
        var task = RestorationTask.Denoise(25, 1);
        var events = new List<TrainEvent>();
        var dir = TempDir();

        var summary = Trainer.Run(Tiny(task, ArchitectureSpec.FromGenotype(SmallGenotype(task))), dir, new SynchronousProgress<TrainEvent>(events.Add));

        var losses = events.Where(e => e.Kind == "step").Select(e => e.Loss!.Value).ToArray();
        Assert.Equal(40, losses.Length);
        Assert.True(losses.TakeLast(10).Average() < 0.7 * losses.Take(5).Average(), $"loss {losses.Take(5).Average():F4} → {losses.TakeLast(10).Average():F4}");
        var validations = events.Where(e => e.Kind == "validation").ToArray();
        Assert.Equal(new[] { 20, 40 }, validations.Select(v => v.Iteration));
        Assert.Equal(validations.Max(v => v.ValidationPsnr!.Value), summary.BestValidationPsnr, 9);
        Assert.True(File.Exists(Path.Combine(dir, TrainRun.BestModelFile)));
        Assert.Equal(summary.Parameters, RunFiles.ReadJson<TrainSummary>(Path.Combine(dir, TrainRun.SummaryFile)).Parameters);
    }

    [Fact]
    public void EvaluationOfABrieflyTrainedNetBeatsTheInputAndIsRepeatable()
    {
        var task = RestorationTask.SuperResolution(2, 3);
        var dir = TempDir();
        Trainer.Run(Tiny(task, new ArchitectureSpec { Kind = ArchitectureSpec.EspcnKind, Depth = 3, Width = 16 }, iterations: 60), dir);
        var images = TestFolder(task.Channels);

        using var model = TrainedModel.Load(dir);
        var restorer = new TorchRestorer(model.Network, model.Task, TorchRuntime.DefaultDevice);
        var first = EvaluationProtocol.Run(restorer, task, images, seed: 5);
        var second = EvaluationProtocol.Run(restorer, task, images, seed: 5);

        Assert.Equal(2, first.Images);
        Assert.True(first.Psnr > first.InputPsnr, $"PSNR {first.Psnr:F2} ≤ bicubic {first.InputPsnr:F2}");
        Assert.Equal(first.Psnr, second.Psnr);
        Assert.Equal(first.Rows.Select(r => r.Ssim), second.Rows.Select(r => r.Ssim));
    }

    [Fact]
    public void ResumedTrainingMatchesTheUninterruptedRun()
    {
        var task = RestorationTask.Denoise(15, 1);
        var options = Tiny(task, new ArchitectureSpec { Kind = ArchitectureSpec.DnCnnKind, Depth = 3, Width = 8 });
        var straight = Trainer.Run(options, TempDir());

        var dir = TempDir();
        using var stop = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => Trainer.Run(options, dir,
            new SynchronousProgress<TrainEvent>(e => { if (e is { Kind: "validation", Iteration: 20 }) stop.Cancel(); }), stop.Token));
        var resumed = Trainer.Resume(dir);

        Assert.Equal(straight.BestValidationPsnr, resumed.BestValidationPsnr, 5);
        Assert.Equal(straight.BestIteration, resumed.BestIteration);
    }

    /// <summary>
    /// A run from scratch starts with its prediction layer at zero (<see cref="IdentityStart"/>): after one step at a
    /// vanishing learning rate its best weights still have it there, while every other layer keeps its random start.
    /// </summary>
    [Fact]
    public void ARunFromScratch_StartsAsTheIdentityRestoration()
    {
        var task = RestorationTask.Denoise(25, 1);
        var options = Tiny(task, ArchitectureSpec.FromGenotype(SmallGenotype(task)), iterations: 1) with { ValidateEvery = 1, LearningRate = 1e-12, LearningRateMin = 0 };
        var dir = TempDir();
        Trainer.Run(options, dir);

        using var trained = TrainedModel.Load(dir);
        var network = trained.Network;
        var prediction = ((IRestorationNetwork)network).PredictionLayer;
        Assert.True(prediction.weight!.abs().max().item<float>() < 1e-9, "the prediction layer did not start at zero");
        Assert.True(prediction.bias!.abs().max().item<float>() < 1e-9, "the prediction layer's bias did not start at zero");
        var others = network.parameters().Where(p => !ReferenceEquals(p, prediction.weight) && !ReferenceEquals(p, prediction.bias) && p.dim() > 1);
        Assert.All(others, p => Assert.True(p.abs().max().item<float>() > 1e-3, "a layer other than the prediction layer starts at zero"));
    }

    [Fact]
    public void AFineTunedRun_StartsFromTheBestWeightsOfTheRunItNames_AndOnlyFromTheSameNetwork()
    {
        var task = RestorationTask.Denoise(25, 1);
        var options = Tiny(task, new ArchitectureSpec { Kind = ArchitectureSpec.DnCnnKind, Depth = 3, Width = 8 }, iterations: 100) with { LearningRate = 5e-3 };
        var sourceDir = TempDir();
        var source = Trainer.Run(options, sourceDir);

        // a fine-tune validates the weights it starts from first (iteration 0), and keeps them until it beats them; one
        // step at a vanishing learning rate then measures the same weights again (recalibrated on the same batches)
        var still = options with { Iterations = 1, ValidateEvery = 1, LearningRate = 1e-12, LearningRateMin = 0 };
        var events = new List<TrainEvent>();
        var fineTuned = Trainer.Run(still with { InitFrom = sourceDir }, TempDir(), new SynchronousProgress<TrainEvent>(events.Add));
        var fresh = Trainer.Run(still, TempDir());
        var validations = events.Where(e => e.Kind == "validation").ToArray();
        Assert.Equal(new[] { 0, 1 }, validations.Select(v => v.Iteration));
        Assert.Equal(source.BestValidationPsnr, validations[0].ValidationPsnr!.Value, 6);
        Assert.InRange(validations[1].ValidationPsnr!.Value - source.BestValidationPsnr, -0.02, 0.02);
        Assert.True(fineTuned.BestValidationPsnr >= source.BestValidationPsnr - 1e-6);
        Assert.True(source.BestValidationPsnr - fresh.BestValidationPsnr > 0.5,
            $"the untrained network scored {fresh.BestValidationPsnr:F2} dB against the trained {source.BestValidationPsnr:F2}: the test cannot tell them apart");

        var wider = TempDir();
        var mismatch = Assert.Throws<InvalidDataException>(() => Trainer.Run(
            Tiny(task, new ArchitectureSpec { Kind = ArchitectureSpec.DnCnnKind, Depth = 3, Width = 16 }) with { InitFrom = sourceDir }, wider));
        Assert.Contains("does not fit this run's network", mismatch.Message);
        Assert.False(Directory.Exists(wider), "a fine-tune whose weights do not fit left a run folder");
        var empty = TempDir();
        Directory.CreateDirectory(empty);
        var notARun = TempDir();
        Assert.Throws<FileNotFoundException>(() => Trainer.Run(options with { InitFrom = empty }, notARun));
        Assert.False(Directory.Exists(notARun), "a refused fine-tune left a run folder");
    }

    /// <summary>
    /// Validation recalibrates the BatchNorm statistics on the run's recalibration batches first
    /// (<see cref="BatchNormRecalibration"/>), so the best weights carry the statistics of those weights: recalibrating
    /// them again changes nothing. Kept as training leaves them (an exponential average over steps at a high learning
    /// rate), they would move.
    /// </summary>
    [Fact]
    public void ValidationRecalibratesTheBatchNormStatistics_AndTheBestWeightsKeepThem()
    {
        var task = RestorationTask.Denoise(25, 1);
        var options = Tiny(task, new ArchitectureSpec { Kind = ArchitectureSpec.DnCnnKind, Depth = 4, Width = 8 }, iterations: 12) with { ValidateEvery = 12, LearningRate = 1e-2 };
        var dir = TempDir();
        Trainer.Run(options, dir);

        using var model = TrainedModel.Load(dir);
        var norms = model.Network.modules().OfType<ScalarFreeBatchNorm2d>().ToArray();
        Assert.NotEmpty(norms);
        var saved = norms.Select(n => (Mean: n.RunningMean.clone(), Var: n.RunningVar.clone())).ToArray();
        var (train, _) = options.Data.Load(task.Channels, options.Seed);
        BatchNormRecalibration.Run(model.Network, new PairSampler(train, task, options.Crop), options.Batch, options.Seed, TorchRuntime.DefaultDevice);

        Assert.False(model.Network.training, "recalibration left the network in training mode");
        for (var i = 0; i < norms.Length; i++)
        {
            Assert.True(norms[i].RunningMean.allclose(saved[i].Mean, rtol: 1e-4, atol: 1e-6), $"norm {i}: the saved running mean is not the recalibrated one");
            Assert.True(norms[i].RunningVar.allclose(saved[i].Var, rtol: 1e-4, atol: 1e-6), $"norm {i}: the saved running variance is not the recalibrated one");
            Assert.Equal(ScalarFreeBatchNorm2d.DefaultMomentum, norms[i].Momentum);
        }
    }

    internal static IReadOnlyList<(string, Imaging.Pixels.PlanarImage)> TestFolder(int channels)
    {
        var dir = TempDir();
        var generator = new Imaging.Datasets.DeadLeavesGenerator();
        ImageFile.SavePng(generator.Generate(64, 48, 3, 1001), Path.Combine(dir, "a.png"));
        ImageFile.SavePng(generator.Generate(50, 62, 3, 1002), Path.Combine(dir, "b.png"));
        return EvaluationProtocol.LoadFolder(dir, channels);
    }
}
