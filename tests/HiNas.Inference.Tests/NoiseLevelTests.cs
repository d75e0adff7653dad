using HiNas.Imaging.Datasets;
using HiNas.Imaging.Pixels;
using HiNas.Imaging.Tasks;
using HiNas.Inference.Engine;
using HiNas.Inference.Packages;
using HiNas.Onnx.Export;
using TorchSharp;

namespace HiNas.Inference.Tests;

/// <summary>A denoiser told the noise (FFDNet's noise-level map) served with each frame's σ.</summary>
public sealed class NoiseLevelTests
{
    private static readonly RestorationTask Task = RestorationTask.Denoise(25, 3);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void TheEngine_GivesTheGraphEachFramesSigma_AsTorchSharpGetsTheNoiseLevelPlane(int pixelUnshuffle)
    {
        var package = TestModels.Publish(TestModels.TempDir(), "told", Task, pixelUnshuffle: pixelUnshuffle, noiseMap: true);
        using var model = RestorationModel.Open(package);
        using var network = TestModels.Network(Task, pixelUnshuffle: pixelUnshuffle, noiseMap: true);
        var image = new DeadLeavesGenerator().Generate(37, 45, 3, seed: 4);

        PlanarImage Torch(double sigma)
        {
            using var scope = torch.NewDisposeScope();
            var input = NoiseLevelMap.Append(image, sigma);
            var x = torch.tensor(input.Data, new long[] { 1, 4, image.Height, image.Width });
            using var noGrad = torch.no_grad();
            return new PlanarImage(3, image.Height, image.Width, network.call(x).contiguous().data<float>().ToArray());
        }

        var low = InferenceEngine.Restore(model, image, 10);
        var high = InferenceEngine.Restore(model, image, 40);
        Assert.True(MaxDiff(low, Torch(10)) < 1e-4, $"σ 10: ORT vs TorchSharp {MaxDiff(low, Torch(10)):E2}");
        Assert.True(MaxDiff(high, Torch(40)) < 1e-4, $"σ 40: ORT vs TorchSharp {MaxDiff(high, Torch(40)):E2}");
        Assert.True(MaxDiff(low, high) > 1e-3, "the σ given made no difference to the output");
        Assert.Equal(InferenceEngine.Restore(model, image, 25).Data, InferenceEngine.Restore(model, image).Data); // unset: the model's own σ
        Assert.True(MaxDiff(InferenceEngine.Restore(model, image, 0), Torch(0)) < 1e-4); // 0: a clean frame, the range's low end
        Assert.True(MaxDiff(InferenceEngine.Restore(model, image, 0), InferenceEngine.Restore(model, image)) > 1e-3);
    }

    [Fact]
    public void TiledFrames_CarryTheirSigmaIntoEveryTile()
    {
        var package = TestModels.Publish(TestModels.TempDir(), "told", Task, noiseMap: true);
        using var whole = RestorationModel.Open(package, new TileOptions { MaxTilePixels = 4096 * 4096, Overlap = 32 });
        using var tiled = RestorationModel.Open(package, new TileOptions { MaxTilePixels = 64 * 64, Overlap = 32 });
        var image = new DeadLeavesGenerator().Generate(150, 131, 3, seed: 8);
        var a = InferenceEngine.Restore(whole, image, 45);
        var b = InferenceEngine.Restore(tiled, image, 45);
        var worst = 0.0;
        for (var c = 0; c < 3; c++)
            for (var y = 8; y < a.Height - 8; y++)
                for (var x = 8; x < a.Width - 8; x++)
                    worst = Math.Max(worst, Math.Abs(a[c, y, x] - b[c, y, x]));
        Assert.True(worst <= 1e-3, $"tiled vs untiled at σ 45: {worst:E2}");
    }

    [Fact]
    public void ASigmaOutsideTheModelsRange_OrForAModelThatTakesNone_IsRefusedNamingWhy()
    {
        var folder = TestModels.TempDir();
        using var told = RestorationModel.Open(TestModels.Publish(folder, "told", Task, noiseMap: true));
        using var blind = RestorationModel.Open(TestModels.Publish(folder, "blind", Task));
        var image = new DeadLeavesGenerator().Generate(32, 32, 3, seed: 2);

        var outside = Assert.Throws<ArgumentException>(() => InferenceEngine.Restore(told, image, 60));
        Assert.Equal("60 is outside [0, 50], the σ range of model 'told'", outside.Message);
        var negative = Assert.Throws<ArgumentException>(() => InferenceEngine.Restore(told, image, -1));
        Assert.Equal("-1 is not a σ in [0, 255] (leave it unset for the model's own)", negative.Message);
        var none = Assert.Throws<ArgumentException>(() => InferenceEngine.Restore(blind, image, 0));
        Assert.Equal("model 'blind' does not take the noise level (it was trained blind or at one σ); leave it unset", none.Message);
        InferenceEngine.Restore(blind, image); // unset is always fine
    }

    [Fact]
    public void AManifestAndAGraphThatDisagreeAboutTheNoiseLevel_AreRefusedAtLoad()
    {
        var folder = TestModels.TempDir();
        using var told = TestModels.Network(Task, noiseMap: true);
        using var blind = TestModels.Network(Task);
        var unnamed = ModelPackage.Publish(Path.Combine(folder, "unnamed"), TestModels.Manifest("unnamed", Task), OnnxExporter.ExportBytes(told, Task));
        var e = Assert.Throws<ModelPackageException>(() => RestorationModel.Open(unnamed));
        Assert.Contains("the graph has an input 'noise_level' the manifest does not name", e.Message);
        var missing = ModelPackage.Publish(Path.Combine(folder, "missing"), TestModels.Manifest("missing", Task) with { NoiseLevelInput = NoiseLevelMap.InputName },
            OnnxExporter.ExportBytes(blind, Task));
        e = Assert.Throws<ModelPackageException>(() => RestorationModel.Open(missing));
        Assert.Contains("the manifest names the noise-level input 'noise_level' but the graph has none", e.Message);
    }

    private static double MaxDiff(PlanarImage a, PlanarImage b) => a.Data.Zip(b.Data).Max(p => Math.Abs(p.First - p.Second));
}
