using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace HiNas.Inference.Engine;

/// <summary>
/// The tensors a timing feeds a graph and writes it into (the time does not depend on their values), float or uint8 —
/// uint8 where a part of an int8 network reads or writes a value the network rounded.
/// </summary>
public static class TimingTensors
{
    /// <summary>Random values for an input: float in [0, 1), the range of an image, or any byte.</summary>
    public static OrtValue Random(NodeMetadata input, long[] shape, Random random)
    {
        var (values, count) = (Allocate(input.ElementDataType, shape), Count(shape));
        if (values is float[] floats) for (var i = 0; i < count; i++) floats[i] = (float)random.NextDouble();
        else random.NextBytes((byte[])values);
        return Wrap(values, shape);
    }

    /// <summary>A buffer an output of <paramref name="type"/> and <paramref name="shape"/> is written into, allocated once for every run.</summary>
    public static OrtValue Output(TensorElementType type, long[] shape) => Wrap(Allocate(type, shape), shape);

    private static Array Allocate(TensorElementType type, long[] shape) => type switch
    {
        TensorElementType.Float => new float[Count(shape)],
        TensorElementType.UInt8 => new byte[Count(shape)],
        _ => throw new NotSupportedException($"a tensor of type {type} cannot be timed (float or uint8 only)"),
    };

    private static OrtValue Wrap(Array values, long[] shape) => values is float[] floats
        ? OrtValue.CreateTensorValueFromMemory(floats, shape)
        : OrtValue.CreateTensorValueFromMemory((byte[])values, shape);

    private static int Count(long[] shape) => checked((int)shape.Aggregate(1L, (a, b) => a * b));
}
