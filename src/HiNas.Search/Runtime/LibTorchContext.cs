using System.Runtime.InteropServices;

namespace HiNas.Search.Runtime;

/// <summary>
/// Calls into libtorch_cpu's <c>at::Context</c> for switches TorchSharp 0.107 does not expose
/// (<c>setUserEnabledMkldnn</c>, <c>setUserEnabledNNPACK</c>). The symbols are the Itanium-mangled
/// C++ names; the library is the one TorchSharp already loaded from the output folder.
/// </summary>
internal sealed unsafe class LibTorchContext : IDisposable
{
    private const string GlobalContext = "_ZN2at13globalContextEv";
    private const string SetMkldnn = "_ZN2at7Context20setUserEnabledMkldnnEb";
    private const string GetMkldnn = "_ZNK2at7Context17userEnabledMkldnnEv";
    private const string SetNnpack = "_ZN2at7Context20setUserEnabledNNPACKEb";

    private readonly nint _library;
    private readonly nint _context;

    private LibTorchContext(nint library)
    {
        _library = library;
        var global = (delegate* unmanaged<nint>)Export(GlobalContext);
        _context = global();
    }

    public static LibTorchContext Open()
    {
        foreach (var candidate in CandidatePaths())
        {
            if (NativeLibrary.TryLoad(candidate, out var handle)) return new LibTorchContext(handle);
        }
        throw new DllNotFoundException("libtorch_cpu could not be loaded to switch off oneDNN; is the libtorch native package in the output folder?");
    }

    private static IEnumerable<string> CandidatePaths()
    {
        var name = OperatingSystem.IsWindows() ? "torch_cpu.dll" : OperatingSystem.IsMacOS() ? "libtorch_cpu.dylib" : "libtorch_cpu.so";
        var roots = new[] { AppContext.BaseDirectory, Path.GetDirectoryName(typeof(TorchSharp.torch).Assembly.Location) ?? "" };
        foreach (var root in roots.Where(r => r.Length > 0).Distinct())
        {
            yield return Path.Combine(root, name);
            yield return Path.Combine(root, "runtimes", RuntimeInformation.RuntimeIdentifier, "native", name);
        }
        yield return name;
    }

    public void SetMkldnnEnabled(bool enabled) => ((delegate* unmanaged<nint, byte, void>)Export(SetMkldnn))(_context, enabled ? (byte)1 : (byte)0);

    public bool IsMkldnnEnabled() => ((delegate* unmanaged<nint, byte>)Export(GetMkldnn))(_context) != 0;

    public void SetNnpackEnabled(bool enabled) => ((delegate* unmanaged<nint, byte, void>)Export(SetNnpack))(_context, enabled ? (byte)1 : (byte)0);

    private nint Export(string symbol)
    {
        if (!NativeLibrary.TryGetExport(_library, symbol, out var address))
            throw new EntryPointNotFoundException($"libtorch_cpu has no export '{symbol}' (libtorch version differs from the one this build expects)");
        return address;
    }

    // The handle stays loaded: libtorch is in use for the life of the process. Nothing to free.
    public void Dispose() { }
}
