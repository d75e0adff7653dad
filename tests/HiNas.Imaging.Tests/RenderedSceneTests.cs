using HiNas.Imaging.Datasets.Rendered;
using HiNas.Imaging.Pixels;

namespace HiNas.Imaging.Tests;

public class RenderedSceneTests
{
    [Fact]
    public void AFrameIsTheSameForItsSeed_AndDiffersBetweenSeeds()
    {
        var a = SceneRenderer.Render(64, 36, 3, seed: 7);
        Assert.Equal(a.Data, SceneRenderer.Render(64, 36, 3, seed: 7).Data);
        Assert.NotEqual(a.Data, SceneRenderer.Render(64, 36, 3, seed: 8).Data);
        Assert.All(a.Data, v => Assert.InRange(v, 0f, 1f));
        Assert.Equal(ColorConversion.RgbToGray(a).Data, SceneRenderer.Render(64, 36, 1, seed: 7).Data);
    }

    [Fact]
    public void FramesLookRendered_FlatRegionsAndHardEdges()
    {
        // a rendered frame has large areas of nearly constant colour (shaded surfaces, sky, HUD panels) and steps
        // between them: many of its neighbouring-pixel differences are tiny and a few are large
        var frame = SceneRenderer.Render(160, 90, 1, seed: 3);
        var steps = new List<float>();
        for (var y = 0; y < frame.Height; y++)
            for (var x = 1; x < frame.Width; x++) steps.Add(Math.Abs(frame[0, y, x] - frame[0, y, x - 1]));
        Assert.True(steps.Count(d => d < 2 / 255f) > steps.Count / 2, "most neighbours differ by under 2 levels");
        Assert.Contains(steps, d => d > 40 / 255f);
    }

    [Fact]
    public void TrainingScenesAreNeverEvaluationScenes()
    {
        var evaluation = RenderedSceneSource.Evaluation(50, 32, 32);
        var training = RenderedSceneSource.Training(50, 32, 32, seed: RenderedSceneSource.EvaluationSeed);
        var evaluationSeeds = Enumerable.Range(0, 50).Select(evaluation.SceneSeed).ToHashSet();
        Assert.Equal(50, evaluationSeeds.Count);
        Assert.DoesNotContain(Enumerable.Range(0, 50).Select(training.SceneSeed), evaluationSeeds.Contains);
        Assert.Equal("rendered_003.png", evaluation.Name(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => evaluation.Load(50, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => RenderedSceneSource.Training(1, 4, 32, 1));
    }
}
