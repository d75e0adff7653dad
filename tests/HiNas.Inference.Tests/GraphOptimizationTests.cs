using HiNas.Imaging.Datasets;
using HiNas.Imaging.Tasks;
using HiNas.Inference.Engine;
using HiNas.Inference.Packages;
using Microsoft.ML.OnnxRuntime;

namespace HiNas.Inference.Tests;

public class GraphOptimizationTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void AMeasuredChoice_KeepsTheFasterLevel_AndRestoresAsEveryFixedLevelDoes(int scale)
    {
        var task = scale == 1 ? RestorationTask.Denoise(25, 3) : RestorationTask.SuperResolution(scale, 3);
        var package = TestModels.Publish(TestModels.TempDir(), "levels", task);
        var image = new DeadLeavesGenerator().Generate(47, 33, 3, seed: 4);

        using var measured = RestorationModel.Open(package, preferCuda: false);
        var times = measured.Optimization.MeasuredMilliseconds;
        Assert.Equal(new[] { GraphOptimizationLevel.ORT_ENABLE_EXTENDED, GraphOptimizationLevel.ORT_ENABLE_ALL }, times.Keys.Order());
        Assert.Equal(times.MinBy(t => t.Value).Key, measured.Optimization.Level);
        Assert.All(times.Values, ms => Assert.True(ms > 0 && double.IsFinite(ms)));
        Assert.Contains("measured", measured.Optimization.ToString());
        var expected = InferenceEngine.Restore(measured, image);

        foreach (var fixedChoice in new[] { GraphOptimization.All, GraphOptimization.Extended, GraphOptimization.Basic })
        {
            using var model = RestorationModel.Open(package, preferCuda: false, optimization: fixedChoice);
            Assert.Equal(GraphOptimizer.Level(fixedChoice), model.Optimization.Level);
            Assert.Empty(model.Optimization.MeasuredMilliseconds);
            var actual = InferenceEngine.Restore(model, image);
            var worst = expected.Data.Zip(actual.Data).Max(p => Math.Abs(p.First - p.Second));
            Assert.True(worst <= 1e-5, $"{fixedChoice}: max |difference| {worst:E2} from the measured level's result");
        }
    }

    /// <summary>
    /// The levels are timed on the frame the package's latency was measured at (their costs do not grow alike with the
    /// pixels), else on 640×360, and never on more pixels than the session runs at once (the tiles' bound).
    /// </summary>
    [Fact]
    public void AMeasuredChoice_IsTimedOnTheFrameTheManifestsLatencyWasMeasuredAt_WithinTheTiles()
    {
        var task = RestorationTask.Denoise(25, 3);
        var dir = TestModels.TempDir();
        var plain = TestModels.Publish(dir, "plain", task);
        var timed = ModelPackage.Publish(Path.Combine(dir, "timed"), TestModels.Manifest("timed", task) with
        {
            Latency = new ModelLatency { MeasuredMs = 3, Width = 96, Height = 40, Device = "cpu" },
        }, File.ReadAllBytes(plain.ModelPath));

        using (var model = RestorationModel.Open(plain, preferCuda: false))
        {
            Assert.Equal(GraphOptimizer.DefaultProbe, model.Optimization.ProbedOn);
            Assert.EndsWith("on a 640×360 input)", model.Optimization.ToString());
        }
        using (var model = RestorationModel.Open(timed, preferCuda: false))
            Assert.Equal(new GraphOptimizer.Probe(96, 40), model.Optimization.ProbedOn);
        using (var model = RestorationModel.Open(plain, new TileOptions { MaxTilePixels = 100 * 100, Overlap = 8 }, preferCuda: false))
            Assert.Equal(new GraphOptimizer.Probe(100, 100), model.Optimization.ProbedOn);
        using (var model = RestorationModel.Open(plain, preferCuda: false, optimization: GraphOptimization.All))
            Assert.Equal("all (set)", model.Optimization.ToString());
        // a frame-time model (input multiple 2) is probed on even sides, whatever the tiles' square
        var frameTime = TestModels.Publish(dir, "frame-time", task, pixelUnshuffle: 2);
        using (var model = RestorationModel.Open(frameTime, new TileOptions { MaxTilePixels = 33 * 33, Overlap = 8 }, preferCuda: false))
            Assert.Equal(new GraphOptimizer.Probe(32, 32), model.Optimization.ProbedOn);
    }

    [Fact]
    public void ReopeningAChoice_GivesItsLevel()
    {
        foreach (var level in new[] { GraphOptimizationLevel.ORT_ENABLE_ALL, GraphOptimizationLevel.ORT_ENABLE_EXTENDED, GraphOptimizationLevel.ORT_ENABLE_BASIC })
            Assert.Equal(level, GraphOptimizer.Level(GraphOptimizer.Of(level)));
        Assert.Throws<ArgumentOutOfRangeException>(() => GraphOptimizer.Level(GraphOptimization.Measured));
    }
}
