using HiNas.Inference.Engine;
using HiNas.Inference.Frames;
using HiNas.Inference.Repository;

namespace HiNas.Inference.Tests;

public class DefaultModelsTests
{
    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "HiNas.Realtime.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("HiNas.Realtime.sln not found above the test folder");
    }

    /// <summary>The packages committed under models/ are complete, load, and restore a frame of the right size.</summary>
    [Fact]
    public void EmbeddedDefaultModelsAreServable()
    {
        using var repository = new ModelRepository(Path.Combine(RepositoryRoot(), "models"), watch: false);
        Assert.Empty(repository.Problems);
        // the three the server's defaults name; models/build.sh adds sr-x4-rgb
        Assert.Superset(new HashSet<string> { "denoise-gray", "denoise-rgb", "sr-x2-rgb" }, repository.List().Select(m => m.Id).ToHashSet());
        foreach (var manifest in repository.List())
        {
            var model = repository.Get(manifest.Id);
            var frame = InferenceEngine.Restore(model, new byte[32 * 24 * 4], new FrameLayout(32, 24, 128, PixelFormat.Bgra8));
            Assert.Equal((32 * manifest.Scale, 24 * manifest.Scale), (frame.Width, frame.Height));
        }
    }
}
