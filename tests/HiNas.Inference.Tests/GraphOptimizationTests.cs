using HiNas.Imaging.Datasets;
using HiNas.Imaging.Tasks;
using HiNas.Inference.Engine;
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

    [Fact]
    public void ReopeningAChoice_GivesItsLevel()
    {
        foreach (var level in new[] { GraphOptimizationLevel.ORT_ENABLE_ALL, GraphOptimizationLevel.ORT_ENABLE_EXTENDED, GraphOptimizationLevel.ORT_ENABLE_BASIC })
            Assert.Equal(level, GraphOptimizer.Level(GraphOptimizer.Of(level)));
        Assert.Throws<ArgumentOutOfRangeException>(() => GraphOptimizer.Level(GraphOptimization.Measured));
    }
}
