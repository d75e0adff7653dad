using Google.Protobuf;
using HiNas.Onnx.Proto;

namespace HiNas.Onnx.Export;

/// <summary>ONNX tensors as this project writes and reads them: little-endian raw data.</summary>
internal static class OnnxTensors
{
    /// <summary>A float32 tensor of <paramref name="dims"/> (none: a scalar).</summary>
    public static TensorProto Float(float[] values, params long[] dims) => Raw(TensorProto.Types.DataType.Float, values, dims);

    public static TensorProto Int64(long[] values, params long[] dims) => Raw(TensorProto.Types.DataType.Int64, values, dims);

    public static TensorProto Int32(int[] values, params long[] dims) => Raw(TensorProto.Types.DataType.Int32, values, dims);

    public static TensorProto Int8(sbyte[] values, params long[] dims) => Raw(TensorProto.Types.DataType.Int8, values, dims);

    public static TensorProto UInt8(byte[] values, params long[] dims) => Raw(TensorProto.Types.DataType.Uint8, values, dims);

    /// <summary>The values of a float32 tensor (raw data or float_data).</summary>
    public static float[] Floats(TensorProto tensor)
    {
        if (tensor.DataType != (int)TensorProto.Types.DataType.Float) throw new NotSupportedException($"initializer '{tensor.Name}' is not float");
        return tensor.FloatData.Count > 0 ? tensor.FloatData.ToArray() : FromRaw<float>(tensor);
    }

    /// <summary>The values of an int64 tensor (raw data or int64_data).</summary>
    public static long[] Int64s(TensorProto tensor)
    {
        if (tensor.DataType != (int)TensorProto.Types.DataType.Int64) throw new NotSupportedException($"initializer '{tensor.Name}' is not int64");
        return tensor.Int64Data.Count > 0 ? tensor.Int64Data.ToArray() : FromRaw<long>(tensor);
    }

    /// <summary>Replaces a float32 tensor's values (same count), as raw data.</summary>
    public static void SetFloats(TensorProto tensor, float[] values)
    {
        tensor.FloatData.Clear();
        tensor.RawData = Bytes(values);
    }

    private static TensorProto Raw<T>(TensorProto.Types.DataType type, T[] values, long[] dims) where T : unmanaged
    {
        var tensor = new TensorProto { DataType = (int)type, RawData = Bytes(values) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }

    private static ByteString Bytes<T>(T[] values) where T : unmanaged
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX raw data is little-endian");
        return ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
    }

    private static T[] FromRaw<T>(TensorProto tensor) where T : unmanaged
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX raw data is little-endian");
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, T>(tensor.RawData.Span).ToArray();
    }
}
