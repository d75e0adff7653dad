using TorchSharp;
using static TorchSharp.torch;

namespace HiNas.Search.Runtime;

/// <summary>
/// Tensor arithmetic with scalars that stay rooted for the whole native call. TorchSharp 0.107's operators
/// (<c>a + b</c>, <c>a * 2.0</c>, …) build a temporary <see cref="Scalar"/> (the implicit alpha = 1 of add/sub, or the
/// constant) whose only reference is gone once its handle is read; in Release builds the finalizer thread may free
/// it while libtorch still reads it. Seen here as a random "Expected false to be true … toFloat (Scalar.h)" abort
/// after ~2,000 fast training steps. Every hot path uses these helpers with scalars held in static fields instead.
/// </summary>
public static class TensorMath
{
    private static readonly Scalar One = 1.0.ToScalar();
    private static readonly Scalar MinusOne = (-1.0).ToScalar();

    /// <summary>a + b.</summary>
    public static Tensor Add(Tensor a, Tensor b) => a.add(b, One);

    /// <summary>a − b.</summary>
    public static Tensor Sub(Tensor a, Tensor b) => a.add(b, MinusOne);

    /// <summary>a += b, in place (a must be a tensor no backward keeps).</summary>
    public static Tensor AddInPlace(Tensor a, Tensor b) => a.add_(b, One);

    /// <summary>a += b · c, in place (a must be a tensor no backward keeps).</summary>
    public static Tensor AddProductInPlace(Tensor a, Tensor b, Tensor c) => a.addcmul_(b, c, One);

    /// <summary>t + c for a rooted scalar c.</summary>
    public static Tensor AddScalar(Tensor t, Scalar c) => t.add(c, One);

    /// <summary>A scalar kept alive for the life of the process (for constants used on every step).</summary>
    public static Scalar Constant(double value) => value.ToScalar();
}
