using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using Microsoft.ML.OnnxRuntime;

namespace HiNas.Inference.Engine;

/// <summary>
/// How a session multiplies a QDQ graph's int8 weights on this CPU, so that it computes what the graph says. The
/// int8 graphs written here hold int8 weights with zero point 0 beside uint8 activations, which ONNX Runtime runs as
/// U8S8 convolutions. On x86 with VNNI (AVX-512 VNNI or AVX-VNNI) those kernels accumulate each product in 32 bits;
/// without it they multiply with VPMADDUBSW, which adds two neighbouring uint8 × int8 products in 16 bits and saturates
/// the sum (255 · 127 · 2 is twice what 16 bits hold): measured on an AVX2-only machine, only 0–19 % of tiny networks'
/// outputs equal to the fake quantization's that tunes the weights (at least 25 % where the products do not saturate),
/// the rest as far from it as from float. There every session opens with ONNX Runtime's precision mode
/// (<see cref="PrecisionModeKey"/>: the weights converted to uint8 at load, U8U8 kernels, which widen to 16 bits before
/// multiplying and do not saturate) — exact, and measured on AVX2-only machines at 0.6–1.1× float's speed for the defaults (1.05–1.13×
/// for the denoisers on the machine where the saturating kernels ran them at 1.6–1.8×; bench/defaults). The one rule every session of a served,
/// timed or judged graph opens by (float graphs are not affected by it).
/// </summary>
public static class Int8Weights
{
    /// <summary>ONNX Runtime's session configuration key for U8U8 in place of U8S8 products on x64 without VNNI.</summary>
    public const string PrecisionModeKey = "session.x64quantprecision";

    /// <summary>Whether ONNX Runtime's U8S8 products saturate on this CPU (x86 without VNNI).</summary>
    public static bool ProductsSaturate { get; } = DetectSaturation();

    /// <summary>Sets <paramref name="options"/> so that int8 weights are multiplied exactly on this CPU (<see cref="PrecisionModeKey"/> where <see cref="ProductsSaturate"/>).</summary>
    public static void ExactOnThisCpu(SessionOptions options)
    {
        if (ProductsSaturate) UnsignedProducts(options);
    }

    /// <summary>ONNX Runtime's precision mode, whatever the CPU (where U8S8 products do not saturate it changes nothing they compute).</summary>
    public static void UnsignedProducts(SessionOptions options) => options.AddSessionConfigEntry(PrecisionModeKey, "1");

    private static bool DetectSaturation()
    {
        if (RuntimeInformation.ProcessArchitecture is not (Architecture.X64 or Architecture.X86)) return false;
        if (!X86Base.IsSupported) return true; // hardware intrinsics turned off: the features cannot be read, assume none
        var avx512Vnni = Avx512F.IsSupported && (X86Base.CpuId(7, 0).Ecx & (1 << 11)) != 0;
        var avxVnni = Avx2.IsSupported && (X86Base.CpuId(7, 1).Eax & (1 << 4)) != 0;
        return !(avx512Vnni || avxVnni);
    }
}
