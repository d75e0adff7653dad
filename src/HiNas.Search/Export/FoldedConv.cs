using TorchSharp;
using static TorchSharp.torch;

using HiNas.Search.Operations;

namespace HiNas.Search.Export;

/// <summary>
/// A convolution's weights with an optional following BatchNorm folded in (eval-mode statistics):
/// W' = W·γ/√(σ²+ε) per output channel, b' = (b − μ)·γ/√(σ²+ε) + β (γ = 1, β = 0 without affine).
/// </summary>
public sealed record FoldedConv(float[] Weight, long[] Shape, float[] Bias, long Groups, long[] Padding, long[] Dilation)
{
    public static FoldedConv From(TorchSharp.Modules.Conv2d conv, ScalarFreeBatchNorm2d? norm = null)
    {
        if (conv.stride.Any(s => s != 1)) throw new NotSupportedException("only stride-1 convolutions are exported");
        if (conv.padding_mode != PaddingModes.Zeros) throw new NotSupportedException($"padding mode {conv.padding_mode} is not exported");
        return From(conv.weight!, conv.bias, conv.groups, conv.padding ?? new long[] { 0, 0 }, conv.dilation ?? new long[] { 1, 1 }, norm);
    }

    /// <summary>
    /// A stride-1, zero-padded convolution given by its <paramref name="weightTensor"/> [O, I/g, k, k] (and bias), with
    /// <paramref name="padding"/> and <paramref name="dilation"/> per side pair, and the BatchNorm that follows it.
    /// </summary>
    public static FoldedConv From(Tensor weightTensor, Tensor? biasTensor, long groups, long[] padding, long[] dilation, ScalarFreeBatchNorm2d? norm = null)
    {
        var weight = ToDoubles(weightTensor);
        var shape = weightTensor.shape.ToArray();
        var outChannels = (int)shape[0];
        var perChannel = weight.Length / outChannels;
        var bias = biasTensor is { } b ? ToDoubles(b) : new double[outChannels];
        if (norm is not null)
        {
            var mean = ToDoubles(norm.RunningMean);
            var variance = ToDoubles(norm.RunningVar);
            var gamma = norm.Weight is { } g ? ToDoubles(g) : Enumerable.Repeat(1.0, outChannels).ToArray();
            var beta = norm.Bias is { } be ? ToDoubles(be) : new double[outChannels];
            for (var o = 0; o < outChannels; o++)
            {
                var factor = gamma[o] / Math.Sqrt(variance[o] + ScalarFreeBatchNorm2d.Epsilon);
                for (var i = 0; i < perChannel; i++) weight[o * perChannel + i] *= factor;
                bias[o] = (bias[o] - mean[o]) * factor + beta[o];
            }
        }
        return new FoldedConv(weight.Select(v => (float)v).ToArray(), shape, bias.Select(v => (float)v).ToArray(),
            groups, new[] { padding[0], padding[1], padding[0], padding[1] }, dilation);
    }

    /// <summary>
    /// This k×k convolution plus a 1×1 one on the same input (no groups, the same channels): the 1×1 weights added at
    /// the kernel's centre tap, the biases summed — one convolution computing both (for an odd k, any dilation: the
    /// centre tap reads the pixel itself).
    /// </summary>
    public FoldedConv WithCentre(FoldedConv pointwise)
    {
        var (outChannels, inChannels, kh, kw) = (Shape[0], Shape[1], Shape[2], Shape[3]);
        if (Groups != 1 || pointwise.Groups != 1 || kh % 2 == 0 || kw % 2 == 0
            || pointwise.Shape is not [var o, var i, 1, 1] || o != outChannels || i != inChannels)
            throw new ArgumentException($"a 1×1 convolution of shape [{string.Join(", ", pointwise.Shape)}] does not fold into one of [{string.Join(", ", Shape)}]", nameof(pointwise));
        var weight = (float[])Weight.Clone();
        var centre = kh / 2 * kw + kw / 2;
        for (var oc = 0; oc < outChannels; oc++)
            for (var ic = 0; ic < inChannels; ic++)
                weight[(oc * inChannels + ic) * kh * kw + centre] += pointwise.Weight[oc * inChannels + ic];
        return this with { Weight = weight, Bias = Bias.Zip(pointwise.Bias, (a, b) => a + b).ToArray() };
    }

    private static double[] ToDoubles(Tensor t)
    {
        using var d = t.detach().cpu().to(ScalarType.Float64).contiguous();
        return d.data<double>().ToArray();
    }
}
