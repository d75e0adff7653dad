using System.Runtime.InteropServices;

namespace HiNas.Imaging.IO;

/// <summary>
/// Writes that survive a crash or a power loss: a temporary sibling written and flushed to disk, renamed into place,
/// then the folder flushed so that the rename itself is on disk. A failure leaves the old file (or no file), never a
/// half-written or empty one. Folders published by a rename (model packages, checkpoints, job folders) flush their
/// files before the rename with <see cref="FlushTree"/> and their parent after it with <see cref="FlushFolder"/>.
/// </summary>
public static partial class DurableFiles
{
    public static void WriteAtomic(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write)) write(stream); // a writer may close it
            FlushFile(temp);
            File.Move(temp, full, overwrite: true);
            FlushFolder(directory);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Flushes every file under <paramref name="folder"/>, and the folders themselves, to disk.</summary>
    public static void FlushTree(string folder)
    {
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)) FlushFile(file);
        foreach (var sub in Directory.EnumerateDirectories(folder, "*", SearchOption.AllDirectories)) FlushFolder(sub);
        FlushFolder(folder);
    }

    /// <summary>Flushes a written file's contents to disk.</summary>
    public static void FlushFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Flushes a folder's entries (created, renamed or removed names) to disk; on Linux, where that needs fsync of the folder.</summary>
    public static void FlushFolder(string folder)
    {
        if (!OperatingSystem.IsLinux()) return; // NTFS journals renames; elsewhere nothing portable to call
        var fd = Open(folder, ReadOnly); // a folder opens read-only; O_DIRECTORY's value differs between architectures
        if (fd < 0) throw new IOException($"could not open folder '{folder}' to flush it (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            if (Fsync(fd) != 0) throw new IOException($"could not flush folder '{folder}' to disk (errno {Marshal.GetLastPInvokeError()})");
        }
        finally
        {
            _ = Close(fd);
        }
    }

    private const int ReadOnly = 0;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
