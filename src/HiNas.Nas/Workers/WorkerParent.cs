using System.Diagnostics;
using System.Globalization;

namespace HiNas.Nas.Workers;

/// <summary>
/// How a process that starts workers names itself to them: the environment variable <see cref="Variable"/> holds
/// "PID:START" (its process id and a mark of when it started, so that a reused pid is not taken for it). A worker
/// ends when no process with that id and start is left.
/// </summary>
public static class WorkerParent
{
    public const string Variable = "HINAS_WORKER_PARENT";

    public static string Of(Process process) => FormattableString.Invariant($"{process.Id}:{StartOf(process.Id)}");

    public static (int Pid, long Start) Parse(string value)
    {
        var parts = value.Split(':');
        if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var started))
            return (pid, started);
        throw new FormatException($"{Variable} '{value}' is not PID:START");
    }

    /// <summary>Whether the process <paramref name="pid"/> that started at <paramref name="start"/> still runs.</summary>
    public static bool IsAlive(int pid, long start) => StartOf(pid) == start;

    /// <summary>
    /// When a process started, the same whichever process asks: on Linux the kernel's start time in clock ticks since
    /// boot (/proc/PID/stat, field 22; .NET's Process.StartTime is derived from the clock and differs between callers),
    /// elsewhere the start time in whole seconds. -1 when there is no such process.
    /// </summary>
    public static long StartOf(int pid)
    {
        try
        {
            if (OperatingSystem.IsLinux())
            {
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' '); // after "pid (comm) ": field 3 onwards
                if (fields[0] is "Z" or "X") return -1; // a zombie has ended; only its entry is left
                return long.Parse(fields[22 - 3], CultureInfo.InvariantCulture);
            }
            using var process = Process.GetProcessById(pid);
            return process.HasExited ? -1 : process.StartTime.ToUniversalTime().Ticks / TimeSpan.TicksPerSecond;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException or FormatException)
        {
            return -1;
        }
    }
}
