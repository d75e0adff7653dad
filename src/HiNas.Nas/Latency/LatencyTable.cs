using System.Text.Json;
using System.Text.Json.Serialization;
using HiNas.Imaging.Tasks;
using HiNas.Nas.Runs;

namespace HiNas.Nas.Latency;

/// <summary>
/// Measured milliseconds of every part of a search space at one resolution on one device and runtime
/// (hinas.latency/v1 JSON, written by `hinas profile-latency`) and one <see cref="Precision"/>. Medians of repeated runs.
/// </summary>
public sealed record LatencyTable
{
    public const string SchemaName = "hinas.latency/v1";

    public string Schema { get; init; } = SchemaName;

    /// <summary>Where it was measured, e.g. "cpu: AMD EPYC 7B13 (2 threads)".</summary>
    public required string Device { get; init; }

    /// <summary>e.g. "onnxruntime 1.31.1 CPUExecutionProvider".</summary>
    public required string Runtime { get; init; }

    /// <summary>The model input's size in pixels (width, height).</summary>
    public required int Width { get; init; }

    public required int Height { get; init; }

    public required int Repeats { get; init; }

    /// <summary>
    /// The arithmetic the parts were timed in (<see cref="ModelPrecision"/>): float32, or int8 — each part as its int8
    /// export runs it, uint8 activations in and out. Whole networks judged against the table are timed in it too.
    /// Absent in tables written before int8 tables existed: float32.
    /// </summary>
    public string Precision { get; init; } = ModelPrecision.Float32;

    public DateTimeOffset Measured { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>Part key (<see cref="LatencyKeys"/>) → median milliseconds.</summary>
    public required Dictionary<string, double> Milliseconds { get; init; }

    /// <summary>
    /// Float tables of fused cells: "channels/r" → the milliseconds of one reorder into ONNX Runtime's blocked layout
    /// and one out of it, at 1/r of each side; half of one was taken off each end of a part that a network keeps in
    /// the layout (its parts' entries are what they cost inside a network). Absent in other tables.
    /// </summary>
    public Dictionary<string, double>? Reorders { get; init; }

    private static readonly JsonSerializerOptions Json = new(JsonLines.Options) { WriteIndented = true };

    /// <summary>The milliseconds of a part; an error naming the part when the table lacks it (measured for another space).</summary>
    public double Of(string key) => Milliseconds.TryGetValue(key, out var ms)
        ? ms
        : throw new KeyNotFoundException($"the latency table ({Width}×{Height}, {Device}) has no entry '{key}': profile it for this search space");

    public void Save(string path) => RunFiles.WriteAllTextAtomic(path, JsonSerializer.Serialize(this, Json));

    public static LatencyTable Load(string path)
    {
        var table = RunFiles.ReadJson<LatencyTable>(path);
        if (table.Schema != SchemaName) throw new InvalidDataException($"'{path}' is a {table.Schema} file, not {SchemaName}");
        if (table.Width < 1 || table.Height < 1 || table.Milliseconds.Count == 0) throw new InvalidDataException($"'{path}' has no measurements");
        if (table.Milliseconds.Values.Concat(table.Reorders?.Values.AsEnumerable() ?? []).Any(v => !double.IsFinite(v) || v < 0)) throw new InvalidDataException($"'{path}' has a negative or non-finite entry");
        if (ModelPrecision.Problem(table.Precision) is { } precision) throw new InvalidDataException($"'{path}': {precision}");
        return table;
    }

    [JsonIgnore]
    public string Resolution => $"{Width}x{Height}";

    /// <summary>Why a space of pixel-unshuffle r cannot be timed at WIDTH×HEIGHT (its sides must be multiples of r), or null.</summary>
    public static string? ResolutionProblem(int width, int height, int pixelUnshuffle) =>
        width % pixelUnshuffle == 0 && height % pixelUnshuffle == 0 ? null
            : $"{width}x{height}: a space with pixel-unshuffle {pixelUnshuffle} is timed at sides that are multiples of {pixelUnshuffle}";

    /// <summary>Parses WIDTHxHEIGHT with each side in [8, 8192] (the sizes tables and budgets are measured at).</summary>
    public static bool TryParseResolution(string text, out int width, out int height)
    {
        width = height = 0;
        var parts = text.ToLowerInvariant().Split('x');
        return parts.Length == 2
            && int.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out width)
            && int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out height)
            && width is >= 8 and <= 8192 && height is >= 8 and <= 8192;
    }
}
