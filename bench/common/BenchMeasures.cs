// Shared by the benchmarks that measure a server running as its own process (bench/serving, bench/soak).
using System.Globalization;

internal static class BenchMeasures
{
    /// <summary>The p-th percentile (nearest rank); NaN for no values.</summary>
    public static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0) return double.NaN;
        var sorted = values.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    /// <summary>A process's resident set in bytes (/proc/PID/status); IOException when the process is gone.</summary>
    public static long Rss(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        throw new IOException($"no process {pid}");
    }

    /// <summary>
    /// A process's CPU time so far, user and system, all threads (/proc/PID/stat fields 14 and 15, in clock ticks of
    /// 1/100 s on Linux); IOException when the process is gone.
    /// </summary>
    public static TimeSpan CpuTime(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' '); // after "pid (comm) ": field 3 is fields[0]
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / 100.0);
    }
}
