using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace HiNas.Search.Runtime;

/// <summary>
/// Decides at start-up whether libtorch computes with oneDNN, and in which <see cref="ActivationLayout"/>.
/// <c>HINAS_ONEDNN</c> = <c>auto</c> (the default) runs <see cref="OneDnnSelfCheck"/> with oneDNN on and keeps it
/// only if its float32 outputs and gradients match float64; <c>on</c> keeps it on whatever the check says (the check
/// still runs and is logged); <c>off</c> switches it off.
/// <para>oneDNN fixes its instruction set at its first use, so a process can check one instruction set only. In
/// auto mode a failed check is remembered for this CPU and libtorch build (a small file under the user's local
/// application data), and the next process starts one rung lower on <see cref="Ladder"/>: full instruction set with
/// channels-last activations, then capped at SSE4.1, where oneDNN convolves through GEMM on plain NCHW tensors. On
/// the machine where the faults were found, the AVX-512, AVX2 and AVX kernels on NCHW activations (which oneDNN
/// reorders into channel blocks of 16 or 8) gave wrong input gradients and, now and then, NaN outputs for channel
/// counts that are not a multiple of the block; on channels-last activations the AVX-512 dense kernels were exact
/// (depthwise ones stay NCHW: see <see cref="ActivationLayouts"/>), and SSE4.1 was exact. A cap set by the user in
/// <c>ONEDNN_MAX_CPU_ISA</c> is used as given, with the layout <see cref="ActivationLayouts.For"/> gives it.</para>
/// </summary>
public static class OneDnnPolicy
{
    public const string ModeVariable = "HINAS_ONEDNN";
    public const string IsaVariable = "ONEDNN_MAX_CPU_ISA";

    /// <summary>The instruction-set caps auto mode tries, best first (null: no cap); each computes in the layout <see cref="ActivationLayouts.For"/> gives it.</summary>
    public static IReadOnlyList<string?> Ladder { get; } = new string?[] { null, "SSE41" };

    /// <summary>How a rung is remembered: its cap and its layout (a rung whose layout changed is tried afresh).</summary>
    public static string RungName(string? cap) => $"{cap ?? "full"}, {ActivationLayouts.For(true, cap)}";

    /// <summary>The mode named by <see cref="ModeVariable"/>.</summary>
    public static string Mode() => ParseMode(Environment.GetEnvironmentVariable(ModeVariable));

    /// <summary>auto (also for an unset or empty value), on or off; a clear error for anything else.</summary>
    public static string ParseMode(string? value)
    {
        var mode = (value ?? "").Trim().ToLowerInvariant();
        return mode switch
        {
            "" or "auto" => "auto",
            "on" or "off" => mode,
            _ => throw new InvalidOperationException($"{ModeVariable} must be auto, on or off, got '{value}'"),
        };
    }

    /// <summary>
    /// Applies the decision through <paramref name="setEnabled"/> before any convolution of the process has run, and
    /// returns it. <paramref name="check"/> runs the self-check with oneDNN on, in the layout it is given. Reads the
    /// mode and a user's cap from the environment and remembers failures for this CPU under the user's local
    /// application data.
    /// </summary>
    public static OneDnnDecision Decide(Action<bool> setEnabled, Func<ActivationLayout, OneDnnCheckResult> check) =>
        Decide(Mode(), Environment.GetEnvironmentVariable(IsaVariable), DefaultMemoryPath, cap => SetNativeEnvironment(IsaVariable, cap), setEnabled, check);

    /// <summary>The decision with every input given: the mode, a user's cap (or none), where failures are remembered, how to cap oneDNN's instruction set.</summary>
    public static OneDnnDecision Decide(string mode, string? userCap, string memoryPath, Action<string> setCap, Action<bool> setEnabled, Func<ActivationLayout, OneDnnCheckResult> check)
    {
        if (mode == "off")
        {
            setEnabled(false);
            return new OneDnnDecision(false, mode, null, ActivationLayout.Contiguous, null, "switched off by the environment");
        }
        string? cap = string.IsNullOrWhiteSpace(userCap) ? null : userCap.Trim();
        var memory = mode == "auto" && cap is null ? FailureMemory.Load(memoryPath) : null;
        if (memory is not null)
        {
            var rung = Ladder.FirstOrDefault(c => !memory.Failed.Contains(RungName(c)), "none");
            if (rung == "none")
            {
                setEnabled(false);
                return new OneDnnDecision(false, mode, null, ActivationLayout.Contiguous, null, $"the self-check failed at every rung ({string.Join(", ", memory.Failed)}) on this CPU before; remembered in {memoryPath}");
            }
            cap = rung;
            if (cap is not null) setCap(cap);
        }

        setEnabled(true);
        var layout = ActivationLayouts.For(true, cap);
        var result = check(layout);
        if (result.Passed)
            return new OneDnnDecision(true, mode, cap, layout, result, "float32 results match float64");
        if (mode == "on")
            return new OneDnnDecision(true, mode, cap, layout, result, "kept on by the environment although float32 results are WRONG");
        setEnabled(false);
        var next = "";
        if (memory is not null)
        {
            memory.Failed.Add(RungName(cap));
            memory.Save(memoryPath);
            var following = Ladder.SkipWhile(c => c != cap).Skip(1).ToArray();
            next = following.Length > 0 ? $"; the next start tries oneDNN at {RungName(following[0])}" : "; no rung left: it stays off on this CPU";
        }
        return new OneDnnDecision(false, mode, cap, ActivationLayout.Contiguous, result, $"float32 results are wrong with oneDNN on{next}");
    }

    /// <summary>Where auto mode remembers failed rungs (per user).</summary>
    public static string DefaultMemoryPath =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "hinas", "onednn-failures.json");

    /// <summary>
    /// Sets a variable in the native environment, where oneDNN reads it (on Unix .NET keeps its own copy of the
    /// environment, which native code does not see).
    /// </summary>
    private static void SetNativeEnvironment(string name, string value)
    {
        Environment.SetEnvironmentVariable(name, value);
        if (!OperatingSystem.IsWindows() && setenv(name, value, 1) != 0)
            throw new InvalidOperationException($"could not set {name} for oneDNN (setenv failed)");
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int setenv(string name, string value, int overwrite);

    /// <summary>The rungs whose self-check failed on this CPU with this libtorch build.</summary>
    private sealed class FailureMemory
    {
        public string Machine { get; init; } = MachineKey();
        public HashSet<string> Failed { get; init; } = new(StringComparer.Ordinal);

        public static FailureMemory Load(string path)
        {
            try
            {
                var stored = File.Exists(path) ? JsonSerializer.Deserialize<FailureMemory>(File.ReadAllText(path)) : null;
                if (stored is not null && stored.Machine == MachineKey()) return stored;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or NotSupportedException)
            {
                // nothing remembered (or unreadable): start at the top of the ladder
            }
            return new FailureMemory();
        }

        public void Save(string path)
        {
            try
            {
                Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
                var temporary = $"{path}.{Environment.ProcessId}.tmp";
                File.WriteAllText(temporary, JsonSerializer.Serialize(this));
                File.Move(temporary, path, overwrite: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // not remembered: the next process checks the same rung again, and turns oneDNN off again if it fails
            }
        }

        /// <summary>The CPU (model and feature flags), the libtorch build and the check's cases: a failure is remembered for all three.</summary>
        private static string MachineKey()
        {
            var cpu = "";
            try
            {
                if (File.Exists("/proc/cpuinfo"))
                    cpu = string.Join("\n", File.ReadLines("/proc/cpuinfo").Where(l => l.StartsWith("model name") || l.StartsWith("flags")).Distinct());
            }
            catch (IOException) { }
            var identity = $"{RuntimeInformation.ProcessArchitecture}\n{cpu}\n{typeof(TorchSharp.torch).Assembly.GetName().Version}\n{OneDnnSelfCheck.Signature}";
            return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(identity)))[..16];
        }
    }
}
