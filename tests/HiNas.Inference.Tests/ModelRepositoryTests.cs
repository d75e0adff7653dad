using System.Text.Json;
using HiNas.Imaging.Tasks;
using HiNas.Inference.Packages;
using HiNas.Inference.Repository;

namespace HiNas.Inference.Tests;

public class ModelRepositoryTests
{
    [Fact]
    public void BrokenPackagesAreRefusedWithTheReasonAndTheOthersKeepServing()
    {
        var dir = TestModels.TempDir();
        TestModels.Publish(dir, "good", RestorationTask.Denoise(25, 1));

        // Half-copied: model.onnx cut short.
        var half = TestModels.Publish(dir, "half", RestorationTask.Denoise(25, 1));
        var bytes = File.ReadAllBytes(half.ModelPath);
        File.WriteAllBytes(half.ModelPath, bytes[..(bytes.Length / 2)]);
        // Corrupt: the manifest matches the bytes, but the bytes are no ONNX model.
        var garbage = "not an onnx model at all"u8.ToArray();
        ModelPackage.Publish(Path.Combine(dir, "corrupt"), TestModels.Manifest("corrupt", RestorationTask.Denoise(25, 1)), garbage);
        // A manifest that disagrees with its graph (3 channels declared, 1 in the graph).
        ModelPackage.Publish(Path.Combine(dir, "liar"), TestModels.Manifest("liar", RestorationTask.Denoise(25, 3)), TestModels.Onnx(RestorationTask.Denoise(25, 1)));
        // No manifest at all.
        Directory.CreateDirectory(Path.Combine(dir, "empty"));

        using var repository = new ModelRepository(dir, watch: false);

        Assert.Equal(new[] { "corrupt", "good", "liar" }, repository.List().Select(m => m.Id));
        Assert.Contains("bytes but the manifest says", repository.Problems[Path.Combine(dir, "half")]);
        Assert.Contains("manifest.json is missing", repository.Problems[Path.Combine(dir, "empty")]);
        Assert.Contains("not a loadable ONNX model", Assert.Throws<ModelPackageException>(() => repository.Get("corrupt")).Message);
        Assert.Contains("channel", Assert.Throws<ModelPackageException>(() => repository.Get("liar")).Message);
        Assert.Equal(new[] { "good" }, repository.List().Select(m => m.Id));
        Assert.Throws<KeyNotFoundException>(() => repository.Get("nope"));
        Assert.Equal("good", repository.Get("good").Id);
        Assert.Same(repository.Get("good"), repository.Get("good"));
    }

    [Fact]
    public void NewAndRemovedPackagesAreNoticedWithoutARestart()
    {
        var dir = TestModels.TempDir();
        using var repository = new ModelRepository(dir);
        Assert.Empty(repository.List());

        TestModels.Publish(dir, "late", RestorationTask.SuperResolution(2, 3));
        Assert.Equal(new[] { "late" }, repository.List().Select(m => m.Id));
        Assert.Equal(2, repository.Get("late").Scale);

        Directory.Delete(Path.Combine(dir, "late"), recursive: true);
        Assert.Empty(repository.List());
        Assert.Throws<KeyNotFoundException>(() => repository.Get("late"));
    }

    [Fact]
    public void PublishingIsAtomicAndRefusesToOverwriteSilently()
    {
        var dir = TestModels.TempDir();
        var package = TestModels.Publish(dir, "m", RestorationTask.Denoise(15, 1));
        Assert.DoesNotContain(Directory.GetDirectories(dir), d => Path.GetFileName(d).StartsWith('.'));
        Assert.Throws<IOException>(() => TestModels.Publish(dir, "m", RestorationTask.Denoise(15, 1)));
        var manifest = JsonSerializer.Deserialize<ModelManifest>(File.ReadAllText(Path.Combine(package.Folder, ModelPackage.ManifestFile)), ModelManifest.Json)!;
        Assert.Equal(new FileInfo(package.ModelPath).Length, manifest.ModelBytes);
        Assert.Equal(ModelPackage.Sha256(File.ReadAllBytes(package.ModelPath)), manifest.ModelSha256);
        Assert.Throws<ArgumentException>(() => ModelPackage.Publish(Path.Combine(dir, "bad"), TestModels.Manifest("Bad Id!", RestorationTask.Denoise(15, 1)), new byte[] { 1 }));
    }
}
