namespace HiNas.Onnx.Quantization;

/// <summary>
/// The int8 number formats, in one place for the QDQ graph and the fake quantization that trains for it: activations
/// uint8 with a scale and zero point over their range (which holds 0, so zero padding stays exact); convolution
/// weights int8 in [−127, 127], symmetric, one scale per output channel.
/// </summary>
public static class Int8Scales
{
    public const int WeightLevels = 127;

    /// <summary>uint8 scale and zero point for <paramref name="range"/>, widened to hold 0.</summary>
    public static (float Scale, byte ZeroPoint) Activation(ValueRange range)
    {
        var min = Math.Min(0f, range.Min);
        var max = Math.Max(0f, range.Max);
        var scale = (max - min) / 255f;
        if (!(scale > 0) || !float.IsFinite(scale)) return (1f / 255f, 0);
        var zeroPoint = (byte)Math.Clamp(MathF.Round(-min / scale, MidpointRounding.ToEven), 0, 255);
        return (scale, zeroPoint);
    }

    /// <summary>Per-output-channel scales of a weight tensor laid out [out channels, …]: max |w| / 127 (1 for an all-zero channel).</summary>
    public static float[] Weight(ReadOnlySpan<float> weights, int outChannels)
    {
        if (outChannels < 1 || weights.Length % outChannels != 0) throw new ArgumentException($"{weights.Length} weights do not split into {outChannels} output channels");
        var perChannel = weights.Length / outChannels;
        var scales = new float[outChannels];
        for (var c = 0; c < outChannels; c++)
        {
            var max = 0f;
            foreach (var w in weights.Slice(c * perChannel, perChannel)) max = Math.Max(max, Math.Abs(w));
            scales[c] = max > 0 ? max / WeightLevels : 1f;
        }
        return scales;
    }
}
