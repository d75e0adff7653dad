using System.Runtime.InteropServices;
using System.Text;

namespace HiNas.Search.Runtime;

/// <summary>
/// The native allocator behind libtorch's tensors. A training or search step frees its activations and allocates
/// them again at the next step; glibc's allocator either gives that memory back and page-faults it in anew every step
/// (its defaults: a DnCNN 17×64 training step here 1.25 s, a fifth of it in the kernel's page-fault handler) or, kept
/// (no trimming, only blocks of 32 MiB and more mapped for themselves: 0.57 s), fragments it: the same step's heap
/// grew to 2.5× the memory in use. gperftools' tcmalloc (Debian's <c>libtcmalloc-minimal4</c>) keeps freed memory in
/// size classes and has neither cost: the step took 0.45–0.53 s at a peak of 335 MiB against 775–950 MiB kept.
/// <para>
/// tcmalloc must replace malloc before the first allocation, so <see cref="RelaunchWithTcmalloc"/> re-executes the
/// process (same process id, arguments and descriptors) with it preloaded, first thing in <c>Main</c> of the
/// executables that train. Where it is not installed, is switched off (<see cref="AllocatorVariable"/> = glibc) or
/// cannot be preloaded, <see cref="Keep"/> keeps glibc's heap instead; settings a user gave glibc in its environment
/// variables are left as they are.
/// </para>
/// </summary>
public static class NativeHeap
{
    /// <summary>glibc's variables for the two settings of the kept heap; a user's value wins.</summary>
    public const string TrimVariable = "MALLOC_TRIM_THRESHOLD_", MmapVariable = "MALLOC_MMAP_THRESHOLD_";

    /// <summary><c>tcmalloc</c> (the default: used when installed) or <c>glibc</c>.</summary>
    public const string AllocatorVariable = "HINAS_ALLOCATOR";

    /// <summary>Set in the relaunched process, so that a preload that did not take never relaunches again.</summary>
    public const string RelaunchedVariable = "HINAS_ALLOCATOR_RELAUNCHED";

    /// <summary>Blocks this large and larger are mapped for themselves (glibc's largest allowed threshold on 64-bit).</summary>
    public const int MmapThreshold = 32 * 1024 * 1024;

    /// <summary>Where Debian's <c>libtcmalloc-minimal4</c> puts the library, by architecture.</summary>
    public static readonly string[] TcmallocPaths =
    [
        "/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4",
        "/usr/lib/aarch64-linux-gnu/libtcmalloc_minimal.so.4",
    ];

    private const int TrimThresholdOption = -1, MmapThresholdOption = -3;

    /// <summary>Whether tcmalloc serves this process's allocations (it is mapped into it).</summary>
    public static bool TcmallocLoaded =>
        OperatingSystem.IsLinux() && File.ReadLines("/proc/self/maps").Any(line => line.Contains("libtcmalloc", StringComparison.Ordinal));

    /// <summary>
    /// Re-executes this process with tcmalloc preloaded when it is installed, wanted and not yet loaded; returns
    /// (without relaunching) otherwise, or when the re-execution fails. Call it before anything else in <c>Main</c>:
    /// nothing read from the standard input or written anywhere may be lost in between.
    /// </summary>
    public static void RelaunchWithTcmalloc()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable(RelaunchedVariable) is not null) return;
        if (!WantsTcmalloc(Environment.GetEnvironmentVariable(AllocatorVariable))) return;
        if (TcmallocPaths.FirstOrDefault(File.Exists) is not { } library || TcmallocLoaded) return;
        string[] arguments;
        try
        {
            arguments = Encoding.UTF8.GetString(File.ReadAllBytes("/proc/self/cmdline")).TrimEnd('\0').Split('\0');
        }
        catch (IOException)
        {
            return;
        }
        var environment = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .Where(e => (string)e.Key is not ("LD_PRELOAD" or RelaunchedVariable))
            .Select(e => $"{e.Key}={e.Value}")
            .Append($"LD_PRELOAD={Preload(library, Environment.GetEnvironmentVariable("LD_PRELOAD"))}")
            .Append($"{RelaunchedVariable}=1");
        execve("/proc/self/exe", [.. arguments, null], [.. environment, null]); // returns only when it failed
    }

    /// <summary>The value of <see cref="AllocatorVariable"/> read: unset or <c>tcmalloc</c> wants it, <c>glibc</c> does not; anything else is an error.</summary>
    public static bool WantsTcmalloc(string? setting) => setting?.Trim().ToLowerInvariant() switch
    {
        null or "" or "tcmalloc" => true,
        "glibc" => false,
        _ => throw new ArgumentException($"{AllocatorVariable} must be tcmalloc or glibc, got '{setting}'"),
    };

    /// <summary><paramref name="library"/> in front of the preloads already asked for.</summary>
    public static string Preload(string library, string? existing) =>
        string.IsNullOrWhiteSpace(existing) ? library : $"{library}:{existing}";

    /// <summary>Reports tcmalloc when it serves the process, or applies the kept glibc heap; returns what was done, for the runtime's log.</summary>
    public static string Keep()
    {
        if (!OperatingSystem.IsLinux()) return "native heap: the system allocator's defaults (not Linux)";
        if (TcmallocLoaded) return "native heap: tcmalloc";
        var why = Environment.GetEnvironmentVariable(RelaunchedVariable) is not null ? "tcmalloc did not load"
            : !WantsTcmalloc(Environment.GetEnvironmentVariable(AllocatorVariable)) ? $"{AllocatorVariable}=glibc"
            : TcmallocPaths.Any(File.Exists) ? "not relaunched with tcmalloc (a library or test host)"
            : "tcmalloc not installed (Debian: libtcmalloc-minimal4)";
        if (Environment.GetEnvironmentVariable(TrimVariable) is not null || Environment.GetEnvironmentVariable(MmapVariable) is not null)
            return $"native heap: glibc ({why}), settings from the environment ({TrimVariable}, {MmapVariable}) kept";
        try
        {
            // setting either one switches off glibc's moving threshold, so both are set
            var mapped = mallopt(MmapThresholdOption, MmapThreshold) == 1;
            var kept = mallopt(TrimThresholdOption, int.MaxValue) == 1;
            return mapped && kept
                ? $"native heap: glibc ({why}), kept between steps (no trimming; blocks of {MmapThreshold >> 20} MiB and more mapped for themselves)"
                : $"native heap: glibc ({why}); it refused the settings, its defaults stay";
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return $"native heap: the C library's defaults ({why}; no mallopt)";
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int option, int value);

    [DllImport("libc", EntryPoint = "execve", SetLastError = true)]
    private static extern int execve([MarshalAs(UnmanagedType.LPUTF8Str)] string path,
        [MarshalAs(UnmanagedType.LPArray, ArraySubType = UnmanagedType.LPStr)] string?[] argv,
        [MarshalAs(UnmanagedType.LPArray, ArraySubType = UnmanagedType.LPStr)] string?[] envp);
}
