using HiNas.Onnx.Proto;
using OrtTensors = Microsoft.ML.OnnxRuntime.Tensors;

namespace HiNas.Onnx.Quantization;

/// <summary>The range one activation is quantized over.</summary>
public readonly record struct ValueRange(float Min, float Max)
{
    public ValueRange Union(ValueRange other) => new(Math.Min(Min, other.Min), Math.Max(Max, other.Max));
}

/// <summary>
/// Calibration: the float graph is run by ONNX Runtime on images like the ones it will serve (every intermediate value
/// made a graph output), twice: the first pass finds each value's extremes, the second its histogram between them;
/// each value's range is then the one whose uint8 quantization has the least mean squared error over that histogram
/// (rounding inside the range, clipping outside). Activations here are heavy-tailed (the extremes lie 10–20 standard
/// deviations out), so the extremes themselves would leave the bulk of the values a few levels.
/// </summary>
public static class ActivationRanges
{
    private const int Bins = 2048;

    /// <param name="model">a float graph with one input (its values keep their names in the quantized graph)</param>
    /// <param name="inputs">NCHW float batches for the graph's input (enumerated twice)</param>
    public static IReadOnlyDictionary<string, ValueRange> Calibrate(ModelProto model, IReadOnlyList<OrtTensors.DenseTensor<float>> inputs)
    {
        if (model.Graph.Input.Count != 1) throw new ArgumentException($"this graph has {model.Graph.Input.Count} inputs: calibrate it on feeds naming each");
        var name = model.Graph.Input[0].Name;
        return Calibrate(model, inputs.Select(batch => (IReadOnlyDictionary<string, OrtTensors.DenseTensor<float>>)new Dictionary<string, OrtTensors.DenseTensor<float>> { [name] = batch }).ToArray());
    }

    /// <param name="model">a float graph (its values keep their names in the quantized graph)</param>
    /// <param name="feeds">one tensor per graph input, by the input's name, per run (enumerated twice)</param>
    public static IReadOnlyDictionary<string, ValueRange> Calibrate(ModelProto model, IReadOnlyList<IReadOnlyDictionary<string, OrtTensors.DenseTensor<float>>> feeds)
    {
        if (feeds.Count == 0) throw new ArgumentException("calibration needs at least one input batch");
        foreach (var input in model.Graph.Input)
            if (feeds.FirstOrDefault(f => !f.ContainsKey(input.Name)) is not null) throw new ArgumentException($"a calibration feed has no tensor for the graph's input '{input.Name}'");
        using var probe = new ValueProbe(model, model.Graph.Node.SelectMany(n => n.Output));
        var extremes = new Dictionary<string, ValueRange>(StringComparer.Ordinal);
        probe.Visit(feeds, (name, values, _) =>
        {
            var range = Extremes(name, values);
            extremes[name] = extremes.TryGetValue(name, out var before) ? before.Union(range) : range;
        });
        var histograms = extremes.ToDictionary(e => e.Key, _ => new long[Bins], StringComparer.Ordinal);
        probe.Visit(feeds, (name, values, _) => Accumulate(histograms[name], extremes[name], values));
        return extremes.ToDictionary(e => e.Key, e => LeastSquaredError(histograms[e.Key], e.Value), StringComparer.Ordinal);
    }

    private static ValueRange Extremes(string name, ReadOnlySpan<float> values)
    {
        float min = 0, max = 0; // ranges hold 0: zero padding must be exact
        foreach (var v in values)
        {
            if (!float.IsFinite(v)) throw new InvalidOperationException($"calibration: value '{name}' is not finite on a calibration image");
            if (v < min) min = v;
            if (v > max) max = v;
        }
        return new ValueRange(min, max);
    }

    private static void Accumulate(long[] histogram, ValueRange range, ReadOnlySpan<float> values)
    {
        var width = range.Max - range.Min;
        if (!(width > 0)) { histogram[0] += values.Length; return; }
        var perUnit = Bins / width;
        foreach (var v in values) histogram[Math.Clamp((int)((v - range.Min) * perUnit), 0, Bins - 1)]++;
    }

    /// <summary>
    /// The range [lo, hi] (lo ≤ 0 ≤ hi, both on bin edges of the histogram) whose uint8 quantization of the histogram's
    /// values has the least expected squared error: rounding error (step²/12) inside, the squared distance to the
    /// nearer end outside.
    /// </summary>
    internal static ValueRange LeastSquaredError(long[] histogram, ValueRange extremes)
    {
        var width = extremes.Max - extremes.Min;
        if (!(width > 0)) return extremes;
        var binWidth = width / Bins;
        var zeroBin = (int)Math.Round(-extremes.Min / binWidth);
        var centres = new double[Bins];
        for (var i = 0; i < Bins; i++) centres[i] = extremes.Min + (i + 0.5) * binWidth;
        double bestError = double.PositiveInfinity;
        (int Lo, int Hi) best = (0, Bins);
        // candidate ends on a coarse grid of bin edges: each end independently from the extreme in to 1/64 of it
        const int Steps = 64;
        for (var a = 0; a < Steps; a++)
        {
            var lo = zeroBin - (int)((long)zeroBin * (Steps - a) / Steps);
            if (a > 0 && zeroBin == 0) break;
            for (var b = 0; b < Steps; b++)
            {
                var hi = zeroBin + (int)((long)(Bins - zeroBin) * (Steps - b) / Steps);
                if (b > 0 && hi == zeroBin) break;
                double low = extremes.Min + lo * binWidth, high = extremes.Min + hi * binWidth;
                var step = (high - low) / 255.0;
                var inside = step * step / 12.0;
                double error = 0;
                for (var i = 0; i < Bins; i++)
                {
                    if (histogram[i] == 0) continue;
                    var x = centres[i];
                    var d = x < low ? low - x : x > high ? x - high : 0;
                    error += histogram[i] * (d > 0 ? d * d : inside);
                }
                if (error < bestError) (bestError, best) = (error, (lo, hi));
            }
        }
        return new ValueRange((float)(extremes.Min + best.Lo * binWidth), (float)(extremes.Min + best.Hi * binWidth));
    }
}
