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
}
