using System.Diagnostics;
using System.Globalization;

namespace HiNas.Search.Runtime;

/// <summary>
/// Resident memory of this process. On Linux the peak (VmHWM) can be reset by writing 5 to
/// /proc/self/clear_refs, so the peak of a stretch of work is measurable; elsewhere the peak since start is used.
/// </summary>
public static class ProcessMemory
{
    public static long CurrentBytes() => ReadStatus("VmRSS:") ?? Refreshed().WorkingSet64;

    public static long PeakBytes() => ReadStatus("VmHWM:") ?? Refreshed().PeakWorkingSet64;

    /// <summary>Resets the peak to the current resident size; false where the OS does not allow it.</summary>
    public static bool TryResetPeak()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static Process Refreshed()
    {
        var process = Process.GetCurrentProcess();
        process.Refresh();
        return process;
    }

    private static long? ReadStatus(string key)
    {
        if (!OperatingSystem.IsLinux()) return null;
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (!line.StartsWith(key, StringComparison.Ordinal)) continue;
            var parts = line[key.Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return long.Parse(parts[0], CultureInfo.InvariantCulture) * 1024;
        }
        return null;
    }
}
