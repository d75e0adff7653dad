using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace HiNas.Search.Runtime;

/// <summary>
/// The one place every entry point (CLI, server, tests) goes through before touching TorchSharp.
/// Keeps the native heap between steps (<see cref="NativeHeap"/>), loads libtorch, decides oneDNN and the convolution
/// layout from a self-check (<see cref="OneDnnPolicy"/>: on some of the project's CPUs it computes wrong float32
/// input gradients), switches off NNPACK (unsupported hardware; it floods stderr), sets the
/// thread count and picks the device: CUDA only when the TorchSharp build reports it, CPU otherwise.
/// </summary>
public static class TorchRuntime
{
    private static readonly object Gate = new();
    private static readonly object SeedGate = new();
    private static bool _initialized;
    private static Device? _defaultDevice;

    /// <summary>The device chosen at initialisation (CUDA when available and allowed, else CPU).</summary>
    public static Device DefaultDevice
    {
        get
        {
            EnsureInitialized();
            return _defaultDevice!;
        }
    }

    /// <summary>Whether this process computes with oneDNN, and why (<see cref="OneDnnPolicy"/>); set at initialisation.</summary>
    public static OneDnnDecision OneDnn
    {
        get
        {
            EnsureInitialized();
            return _oneDnn!;
        }
    }

    private static OneDnnDecision? _oneDnn;

    /// <summary>Where the runtime logs its start-up decisions (the CLI: stderr); set before the first use.</summary>
    public static Action<string>? Log { get; set; }

    /// <summary>Loads libtorch and applies the platform fixes once; later calls only adjust threads.</summary>
    /// <param name="threads">Intra-op threads; null keeps libtorch's default (the core count).</param>
    public static void EnsureInitialized(int? threads = null)
    {
        lock (Gate)
        {
            if (!_initialized)
            {
                InitializeOnce();
                _initialized = true;
            }
            if (threads is { } t)
            {
                if (t < 1) throw new ArgumentOutOfRangeException(nameof(threads), t, "threads must be at least 1");
                torch.set_num_threads(t);
            }
        }
    }

    /// <summary>
    /// Seeds libtorch's global generator and runs <paramref name="build"/> (module construction, which draws the
    /// initial weights from it) while no other build can reseed or draw: runs in parallel threads of one process
    /// (jobs, tests) stay reproducible. That holds only if every module construction of the process goes through
    /// here, those whose initial weights do not matter (timed parts, a network about to load its weights) too: a
    /// construction outside it draws from the same global generator and can land in the middle of a seeded build.
    /// A module built here also gets this process's convolution layout (<see cref="ActivationLayouts.Attach"/>):
    /// with oneDNN's full instruction set, a convolution that bypassed it could compute wrong values.
    /// </summary>
    public static T Seeded<T>(ulong seed, Func<T> build)
    {
        EnsureInitialized();
        T built;
        lock (SeedGate)
        {
            torch.manual_seed((long)(seed & 0x7FFF_FFFF_FFFF_FFFF));
            built = build();
        }
        if (built is nn.Module module) ActivationLayouts.Attach(module, Layout);
        return built;
    }

    /// <summary>The layout convolutions read their inputs in (<see cref="OneDnnDecision.Layout"/>).</summary>
    public static ActivationLayout Layout => OneDnn.Layout;

    /// <summary>Resolves a device option: "auto" (CUDA when present), "cpu", "cuda" or "cuda:N".</summary>
    public static Device SelectDevice(string? option)
    {
        EnsureInitialized();
        var name = (option ?? "auto").Trim().ToLowerInvariant();
        if (name is "" or "auto") return _defaultDevice!;
        if (name == "cpu") return torch.CPU;
        if (name.StartsWith("cuda", StringComparison.Ordinal))
        {
            if (!torch.cuda.is_available())
                throw new ArgumentException($"device '{option}' was asked for but this TorchSharp build has no CUDA device (build with -p:HiNasTorchBackend=cuda on a machine with a GPU)");
            return torch.device(name);
        }
        throw new ArgumentException($"device '{option}' is not one of auto, cpu, cuda, cuda:N");
    }

    private static void InitializeOnce()
    {
        Log?.Invoke(NativeHeap.Keep());
        // Forces libtorch (and libLibTorchSharp) to load; throws a clear error if the natives are missing.
        torch.InitializeDeviceType(DeviceType.CPU);
        var cuda = false;
        try { cuda = torch.cuda.is_available(); } catch (Exception) { cuda = false; }
        _defaultDevice = cuda ? torch.CUDA : torch.CPU;

        using var native = LibTorchContext.Open();
        native.SetNnpackEnabled(false);
        var decision = OneDnnPolicy.Decide(native.SetMkldnnEnabled, OneDnnSelfCheck.Run);
        if (native.IsMkldnnEnabled() != decision.Enabled)
            throw new InvalidOperationException($"oneDNN could not be switched {(decision.Enabled ? "on" : "off")} in libtorch_cpu");
        _oneDnn = decision;
        Log?.Invoke(decision.ToString());
    }
}
