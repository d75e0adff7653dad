using System.Runtime.Intrinsics.X86;
using Google.Protobuf;
using HiNas.Onnx.Proto;

namespace HiNas.Inference.Engine;

/// <summary>
/// A QDQ graph's int8 weights in the form this CPU's ONNX Runtime multiplies exactly. The int8 graphs written here
/// hold int8 weights with zero point 0 beside uint8 activations, which ONNX Runtime runs as U8S8 convolutions. On x86
/// with VNNI (AVX-512 VNNI or AVX-VNNI) those kernels accumulate each product in 32 bits; without it they multiply with
/// VPMADDUBSW, which adds two neighbouring uint8 × int8 products in 16 bits and saturates the sum (255 · 127 · 2 is
/// twice what 16 bits hold), so the convolution is no longer what the graph says — measured on an AVX2-only machine, 0–19 %
/// of tiny networks' outputs equal to the fake quantization's that tunes the weights (at least 25 % where the products
/// do not saturate), the rest as far from it as from float. There every int8 weight tensor a DequantizeLinear reads is stored as uint8 (value + 128,
/// zero point 128) when a session opens: the same dequantized values, and ONNX Runtime's U8U8 kernels, which widen to 16
/// bits before multiplying and do not saturate. The one rule every session of a served, timed or judged graph opens by.
/// </summary>
public static class Int8Weights
{
    /// <summary>Whether ONNX Runtime's U8S8 products saturate on this CPU (x86 without VNNI), so that int8 weights are opened as uint8.</summary>
    public static bool ProductsSaturate { get; } = DetectSaturation();

    /// <summary>The graph as this CPU computes it exactly: <paramref name="onnx"/> itself, or with its int8 weights as uint8 where U8S8 products saturate.</summary>
    public static byte[] ExactOnThisCpu(byte[] onnx) => ProductsSaturate ? AsUnsigned(onnx) : onnx;

    /// <summary>
    /// The same graph with every int8 initializer that a DequantizeLinear dequantizes over an int8 zero point stored as
    /// uint8 (+128), its zero point as 128 (<paramref name="onnx"/> itself when it has none, or is no model).
    /// Measured on an AVX2-only machine (2026-12-06, bench/defaults): exact, and no faster than float — the U8U8 kernels
    /// there ran the default denoisers at 0.7–1.0× float's speed, where the saturating U8S8 ones ran at 1.6–1.8×.
    /// </summary>
    public static byte[] AsUnsigned(byte[] onnx)
    {
        ModelProto model;
        try { model = ModelProto.Parser.ParseFrom(onnx); }
        catch (InvalidProtocolBufferException) { return onnx; } // not a model: ONNX Runtime says so when it opens it
        var initializers = model.Graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var rewritten = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in model.Graph.Node)
        {
            if (node.OpType != "DequantizeLinear" || node.Input.Count < 3) continue;
            if (!initializers.TryGetValue(node.Input[0], out var weights) || !initializers.TryGetValue(node.Input[2], out var zeroPoints)) continue;
            if (!IsInt8(weights, rewritten) || !IsInt8(zeroPoints, rewritten)) continue;
            foreach (var tensor in new[] { weights, zeroPoints }.Where(t => rewritten.Add(t.Name)))
                Shift(tensor);
        }
        return rewritten.Count == 0 ? onnx : model.ToByteArray();
    }

    private static bool IsInt8(TensorProto tensor, HashSet<string> rewritten) =>
        rewritten.Contains(tensor.Name) || tensor.DataType == (int)TensorProto.Types.DataType.Int8;

    private static void Shift(TensorProto tensor)
    {
        var signed = tensor.RawData.Span;
        var unsigned = new byte[signed.Length];
        for (var i = 0; i < signed.Length; i++) unsigned[i] = (byte)((sbyte)signed[i] + 128);
        tensor.RawData = ByteString.CopyFrom(unsigned);
        tensor.DataType = (int)TensorProto.Types.DataType.Uint8;
    }

    private static bool DetectSaturation()
    {
        if (!X86Base.IsSupported) return false;
        var avx512Vnni = Avx512F.IsSupported && (X86Base.CpuId(7, 0).Ecx & (1 << 11)) != 0;
        var avxVnni = Avx2.IsSupported && (X86Base.CpuId(7, 1).Eax & (1 << 4)) != 0;
        return !(avx512Vnni || avxVnni);
    }
}
