using HiNas.Imaging.Datasets;
using HiNas.Imaging.Tasks;
using HiNas.Inference.Engine;
using HiNas.Inference.Frames;
using HiNas.Inference.Packages;

namespace HiNas.Inference.Tests;

public class RestorationModelTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(1, 2)]
    [InlineData(2, 2)]
    public void TiledRestoreEqualsUntiledAwayFromTheBorder(int scale, int pixelUnshuffle)
    {
        var task = scale == 1 ? RestorationTask.Denoise(25, 3) : RestorationTask.SuperResolution(scale, 3);
        // a frame-time model: an odd-sized frame whose last tile would start at an odd column unless the engine aligns it
        var package = TestModels.Publish(TestModels.TempDir(), "tiles", task, pixelUnshuffle: pixelUnshuffle);
        using var whole = RestorationModel.Open(package, new TileOptions { MaxTilePixels = 4096 * 4096, Overlap = 32 });
        using var tiled = RestorationModel.Open(package, new TileOptions { MaxTilePixels = 64 * 64, Overlap = 32 });
        var image = new DeadLeavesGenerator().Generate(150, 131, 3, seed: 8);

        var a = InferenceEngine.Restore(whole, image);
        var b = InferenceEngine.Restore(tiled, image);

        Assert.True(a.SameShape(b));
        var border = 8 * scale;
        var worst = 0.0;
        for (var c = 0; c < 3; c++)
            for (var y = border; y < a.Height - border; y++)
                for (var x = border; x < a.Width - border; x++)
                    worst = Math.Max(worst, Math.Abs(a[c, y, x] - b[c, y, x]));
        Assert.True(worst <= 1e-3, $"tiled vs untiled max diff {worst:E2}");
    }

    [Fact]
    public void GrayModelsRestoreColourFramesChannelByChannel()
    {
        var package = TestModels.Publish(TestModels.TempDir(), "gray", RestorationTask.Denoise(25, 1));
        using var model = RestorationModel.Open(package);
        var image = new DeadLeavesGenerator().Generate(40, 30, 3, seed: 2);
        var bytes = new byte[40 * 30 * 4];
        for (var i = 0; i < 40 * 30; i++)
        {
            bytes[4 * i] = (byte)(image.Data[i] * 255);
            bytes[4 * i + 1] = (byte)(image.Data[1200 + i] * 255);
            bytes[4 * i + 2] = (byte)(image.Data[2400 + i] * 255);
            bytes[4 * i + 3] = (byte)i;
        }

        var frame = InferenceEngine.Restore(model, bytes, new FrameLayout(40, 30, 160, PixelFormat.Rgba8));

        var green = new HiNas.Imaging.Pixels.PlanarImage(1, 30, 40, Enumerable.Range(0, 1200).Select(i => bytes[4 * i + 1] / 255f).ToArray());
        var expected = InferenceEngine.Restore(model, green);
        for (var i = 0; i < 1200; i++)
        {
            Assert.Equal(FrameConverter.ToByte(expected.Data[i]), frame.Pixels[4 * i + 1]);
            Assert.Equal((byte)i, frame.Pixels[4 * i + 3]);
        }
        Assert.Equal((40, 30, 160), (frame.Width, frame.Height, frame.Stride));
    }

    [Fact]
    public void SuperResolutionFramesComeBackScaled()
    {
        var package = TestModels.Publish(TestModels.TempDir(), "sr", RestorationTask.SuperResolution(3, 3));
        using var model = RestorationModel.Open(package);
        var frame = InferenceEngine.Restore(model, new byte[17 * 11 * 3 + 5 * 10], new FrameLayout(17, 11, 17 * 3 + 5, PixelFormat.Rgb8));
        Assert.Equal((51, 33, 153), (frame.Width, frame.Height, frame.Stride));
        Assert.Equal(51 * 33 * 3, frame.Pixels.Length);
        Assert.True(frame.Timings.InferenceMs > 0);
    }

    [Fact]
    public void AManifestThatDisagreesWithTheGraphIsRefused()
    {
        var dir = TestModels.TempDir();
        var onnx = TestModels.Onnx(RestorationTask.Denoise(25, 1));
        var wrongChannels = ModelPackage.Publish(Path.Combine(dir, "a"), TestModels.Manifest("a", RestorationTask.Denoise(25, 3)), onnx);
        var wrongScale = ModelPackage.Publish(Path.Combine(dir, "b"), TestModels.Manifest("b", RestorationTask.SuperResolution(2, 1)), onnx);

        Assert.Contains("channel", Assert.Throws<ModelPackageException>(() => RestorationModel.Open(wrongChannels)).Message);
        Assert.Contains("×2", Assert.Throws<ModelPackageException>(() => RestorationModel.Open(wrongScale)).Message);
    }

    /// <summary>
    /// A frame-time network (pixel-unshuffle 2) takes even sides in ONNX; the engine pads odd frames by repeating the
    /// last row and column, as the TorchSharp network pads itself in training, and crops — untiled and tiled alike.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void FrameTimeModelsRestoreOddSizedFramesAsTheirNetworkDoes(int scale)
    {
        var task = scale == 1 ? RestorationTask.Denoise(25, 3) : RestorationTask.SuperResolution(scale, 3);
        using var network = TestModels.Network(task, seed: 4, pixelUnshuffle: 2);
        var package = TestModels.Publish(TestModels.TempDir(), "frame-time", task, seed: 4, pixelUnshuffle: 2);
        using var model = RestorationModel.Open(package);
        var image = new DeadLeavesGenerator().Generate(23, 17, 3, seed: 2);

        var served = InferenceEngine.Restore(model, image);
        using var x = TorchSharp.torch.tensor(image.Data.ToArray(), new long[] { 1, 3, image.Height, image.Width });
        using var noGrad = TorchSharp.torch.no_grad();
        using var y = network.call(x);
        var expected = y.contiguous().data<float>().ToArray();

        Assert.Equal((image.Height * scale, image.Width * scale), (served.Height, served.Width));
        var worst = expected.Zip(served.Data.ToArray()).Max(p => Math.Abs(p.First - p.Second));
        Assert.True(worst <= 1e-4, $"×{scale}: max |engine − TorchSharp| = {worst:E2}");
    }

    [Fact]
    public void AnInputMultipleOutOfRangeIsAManifestProblem_AndAFrameTimeGraphWithoutOneIsRefused()
    {
        var manifest = TestModels.Manifest("m", RestorationTask.Denoise(25, 1));
        Assert.Null(manifest.Problem());
        Assert.Null((manifest with { InputMultiple = 4 }).Problem());
        Assert.Contains("input_multiple", (manifest with { InputMultiple = 0 }).Problem());
        Assert.Contains("input_multiple", (manifest with { InputMultiple = 3 }).Problem());
        // the graph needs even sides: a manifest that does not say so is refused when the package opens, not on a frame
        var task = RestorationTask.Denoise(25, 3);
        using var network = TestModels.Network(task, pixelUnshuffle: 2);
        var onnx = HiNas.Onnx.Export.OnnxExporter.ExportBytes(network, task);
        var unsaid = ModelPackage.Publish(Path.Combine(TestModels.TempDir(), "unsaid"), TestModels.Manifest("unsaid", task), onnx);
        Assert.Contains("probe", Assert.Throws<ModelPackageException>(() => RestorationModel.Open(unsaid)).Message);
    }

    [Fact]
    public void APrecisionOtherThanFloat32OrInt8IsAManifestProblemNamingIt()
    {
        var manifest = TestModels.Manifest("m", RestorationTask.Denoise(25, 1));
        Assert.Null((manifest with { Precision = ModelPrecision.Int8 }).Problem());
        Assert.Contains("precision 'fp16' is not float32 or int8", (manifest with { Precision = "fp16" }).Problem());
    }
}
