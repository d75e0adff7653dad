using HiNas.Imaging.Datasets;
using HiNas.Imaging.IO;
using HiNas.Imaging.Pixels;

namespace HiNas.Imaging.Tests;

/// <summary>A worker opens data only inside the server's roots: the folder when it opens it, and each file as it reads it.</summary>
public sealed class FolderConfinementTests
{
    private static string Temp()
    {
        var dir = Path.Combine(Path.GetTempPath(), "hinas-confinement-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static void Image(string path) =>
        File.WriteAllBytes(path, ImageFile.EncodePng(new PlanarImage(1, 8, 8, Enumerable.Range(0, 64).Select(i => i / 64f).ToArray())));

    [Fact]
    public void AFileSwappedForALinkOutsideTheRoots_IsRefusedWhenRead()
    {
        var root = Temp();
        var outside = Temp();
        var data = Path.Combine(root, "photos");
        Directory.CreateDirectory(data);
        Image(Path.Combine(data, "a.png"));
        Image(Path.Combine(data, "b.png"));
        Image(Path.Combine(outside, "secret.png"));
        var options = new ImageLoadOptions { Confinement = new FolderConfinement(new[] { root }) };

        var source = new ImageFolderSource(data, options); // checked when opened: fine
        Assert.Equal(8, source.Load(0, 1).Width);

        // after the check, b.png becomes a link to a file outside the roots
        File.Delete(Path.Combine(data, "b.png"));
        File.CreateSymbolicLink(Path.Combine(data, "b.png"), Path.Combine(outside, "secret.png"));
        var refused = Assert.Throws<UnauthorizedAccessException>(() => source.Load(1, 1));
        Assert.Equal($"data file: '{Path.Combine(data, "b.png")}' leads outside the data roots", refused.Message);

        // opened again, the folder itself is refused
        Assert.Contains("links outside the data roots", Assert.Throws<UnauthorizedAccessException>(() => new ImageFolderSource(data, options)).Message);
        Assert.Contains("is outside the data roots", Assert.Throws<UnauthorizedAccessException>(() => new ImageFolderSource(outside, options)).Message);
    }

    [Fact]
    public void TheRoots_TravelToAWorkerInOneVariable()
    {
        var a = Temp();
        var b = Temp();
        var confinement = new FolderConfinement(new[] { a, b, a });
        Assert.Equal(2, confinement.Roots.Count);
        Environment.SetEnvironmentVariable(FolderConfinement.Variable, confinement.ToVariable());
        try
        {
            Assert.Equal(confinement.Roots, FolderConfinement.FromEnvironment()!.Roots);
        }
        finally
        {
            Environment.SetEnvironmentVariable(FolderConfinement.Variable, null);
        }
        Assert.Null(FolderConfinement.FromEnvironment());
        Assert.True(confinement.Contains(Path.Combine(FolderConfinement.RealPath(a), "x", "y.png")));
        Assert.False(confinement.Contains(FolderConfinement.RealPath(a) + "-sibling"));
    }
}
