using System.Runtime.InteropServices;

namespace HiNas.Search.Runtime;

/// <summary>
/// Keeps libtorch's freed tensor memory in the process. By default glibc serves blocks above a moving threshold with
/// fresh mappings and gives the free top of its heap back to the system; a training or search step frees its
/// activations and allocates them again at the next step, so every step page-faults its whole working set anew
/// (a DnCNN 17×64 training step here: 1.25 s, of which a fifth in the kernel's page-fault handler, against 0.57 s
/// with the heap kept). With <see cref="Keep"/> the heap is never trimmed and only blocks of 32 MiB and more are
/// mapped and unmapped: memory stays at its peak instead of being given back between steps. Settings a user gave
/// glibc in its environment variables are left as they are.
/// </summary>
public static class NativeHeap
{
    /// <summary>glibc's variables for the two settings; a user's value wins.</summary>
    public const string TrimVariable = "MALLOC_TRIM_THRESHOLD_", MmapVariable = "MALLOC_MMAP_THRESHOLD_";

    /// <summary>Blocks this large and larger are mapped for themselves (glibc's largest allowed threshold on 64-bit).</summary>
    public const int MmapThreshold = 32 * 1024 * 1024;

    private const int TrimThresholdOption = -1, MmapThresholdOption = -3;

    /// <summary>Applies the settings (on Linux with glibc); returns what was done, for the runtime's log.</summary>
    public static string Keep()
    {
        if (!OperatingSystem.IsLinux()) return "native heap: the system allocator's defaults (not Linux)";
        if (Environment.GetEnvironmentVariable(TrimVariable) is not null || Environment.GetEnvironmentVariable(MmapVariable) is not null)
            return $"native heap: glibc settings from the environment ({TrimVariable}, {MmapVariable}) kept";
        try
        {
            // setting either one switches off glibc's moving threshold, so both are set
            var mapped = mallopt(MmapThresholdOption, MmapThreshold) == 1;
            var kept = mallopt(TrimThresholdOption, int.MaxValue) == 1;
            return mapped && kept
                ? $"native heap: kept between steps (no trimming; blocks of {MmapThreshold >> 20} MiB and more mapped for themselves)"
                : "native heap: the C library refused the settings; its defaults stay";
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return "native heap: the C library's defaults (no mallopt)";
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int option, int value);
}
