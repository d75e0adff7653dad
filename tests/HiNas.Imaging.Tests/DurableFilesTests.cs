using HiNas.Imaging.IO;

namespace HiNas.Imaging.Tests;

public sealed class DurableFilesTests
{
    [Fact]
    public void AWriteReplacesTheFileWhole_AndAFailedOneLeavesTheOldFileAndNoTemporary()
    {
        var folder = Directory.CreateTempSubdirectory("hinas-durable").FullName;
        var path = Path.Combine(folder, "state.json");
        DurableFiles.WriteAtomic(path, s => s.Write("first"u8));
        DurableFiles.WriteAtomic(path, s => s.Write("second"u8));
        Assert.Equal("second", File.ReadAllText(path));

        Assert.Throws<IOException>(() => DurableFiles.WriteAtomic(path, s =>
        {
            s.Write("half"u8);
            throw new IOException("disk full");
        }));
        Assert.Equal("second", File.ReadAllText(path));
        Assert.Equal(new[] { path }, Directory.GetFiles(folder));
    }

    [Fact]
    public void AFolderTree_IsFlushed_AndAMissingFolderIsAnError()
    {
        var folder = Directory.CreateTempSubdirectory("hinas-durable").FullName;
        Directory.CreateDirectory(Path.Combine(folder, "sub"));
        File.WriteAllText(Path.Combine(folder, "sub", "model.onnx"), "x");
        DurableFiles.FlushTree(folder);
        if (OperatingSystem.IsLinux()) Assert.Throws<IOException>(() => DurableFiles.FlushFolder(Path.Combine(folder, "gone")));
    }
}
