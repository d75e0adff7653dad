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
        // A hand-edited latency whose frame has no pixels (serving times its graph on that frame).
        var edited = TestModels.Publish(dir, "no-frame", RestorationTask.Denoise(25, 1));
        var manifest = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(edited.Folder, ModelPackage.ManifestFile)))!;
        manifest["latency"] = new System.Text.Json.Nodes.JsonObject { ["measured_ms"] = 3.0, ["width"] = 0, ["height"] = 360, ["device"] = "cpu" };
        File.WriteAllText(Path.Combine(edited.Folder, ModelPackage.ManifestFile), manifest.ToJsonString());

        using var repository = new ModelRepository(dir, watch: false);

        Assert.Equal(new[] { "corrupt", "good", "liar" }, repository.List().Select(m => m.Id));
        Assert.Contains("bytes but the manifest says", repository.Problems[Path.Combine(dir, "half")]);
        Assert.Contains("manifest.json is missing", repository.Problems[Path.Combine(dir, "empty")]);
        Assert.Contains("latency: the frame 0×360 has no pixels", repository.Problems[Path.Combine(dir, "no-frame")]);
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
    public void ARefreshFromAnotherThread_NeverPutsBackAnOlderStateOfTheFolder()
    {
        // The folder watcher refreshes on its own thread while requests refresh on theirs; a refresh that read the
        // folder before a package arrived must not overwrite the listing of one that read it after, and a package
        // removed while a refresh reads it is a skipped folder, not an error of the refresh.
        var dir = TestModels.TempDir();
        using var repository = new ModelRepository(dir, watch: false);
        var stop = false;
        var errors = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        var hammers = Enumerable.Range(0, 6).Select(_ => new Thread(() =>
        {
            try
            {
                while (!Volatile.Read(ref stop)) repository.Refresh();
            }
            catch (Exception e)
            {
                errors.Enqueue(e);
            }
        })).ToArray();
        foreach (var hammer in hammers) hammer.Start();
        try
        {
            for (var i = 0; i < 100; i++)
            {
                TestModels.Publish(dir, "coming", RestorationTask.Denoise(25, 1));
                Assert.Equal(new[] { "coming" }, repository.List().Select(m => m.Id));
                Directory.Delete(Path.Combine(dir, "coming"), recursive: true);
                Assert.Empty(repository.List());
            }
        }
        finally
        {
            Volatile.Write(ref stop, true);
            foreach (var hammer in hammers) hammer.Join();
        }
        Assert.Empty(errors);
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
