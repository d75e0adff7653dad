using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using HiNas.Imaging.Tasks;

namespace HiNas.Inference.Packages;

/// <summary>
/// manifest.json of a model package (schema "hinas.model/v1"): what the model restores, how to feed it, what it
/// costs and how good it was measured to be, plus the exact size and SHA-256 of model.onnx so that a
/// half-copied package is recognised.
/// </summary>
public sealed record ModelManifest
{
    public const string SchemaName = "hinas.model/v1";

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string Schema { get; init; } = SchemaName;
    public required string Id { get; init; }
    public int Version { get; init; } = 1;

    /// <summary>"denoise" or "sr".</summary>
    public required string Task { get; init; }

    /// <summary>Upscaling factor (1 for denoising).</summary>
    public required int Scale { get; init; }

    /// <summary>Image channels the graph takes and returns (1 gray, 3 RGB).</summary>
    public required int Channels { get; init; }

    /// <summary>Noise σ (on [0, 255]) the model was trained for, and the range it is meant to serve (denoising).</summary>
    public double? Sigma { get; init; }
    public double[]? SigmaRange { get; init; }

    public string InputName { get; init; } = "input";

    /// <summary>
    /// A denoiser told the noise (FFDNet's noise-level map, <see cref="NoiseLevelMap"/>): the graph's second input,
    /// float32 [1, 1, 1, 1] = σ/255, which each request's σ fills (<see cref="NoiseLevelFor"/>). Null for a blind or
    /// fixed-σ denoiser and for upscalers.
    /// </summary>
    public string? NoiseLevelInput { get; init; }
    public string OutputName { get; init; } = "output";
    public string Layout { get; init; } = "NCHW float32 in [0,1]; batch, height, width dynamic";

    /// <summary>
    /// The graph takes heights and widths that are multiples of this (a frame-time network's pixel-unshuffle factor;
    /// 1 for every other network): the engine pads other sides by repeating the last row and column and crops the output.
    /// 1, 2 or 4 (<see cref="PixelUnshuffleFactor"/>).
    /// </summary>
    public int InputMultiple { get; init; } = 1;

    public string? Architecture { get; init; }
    public JsonNode? Genotype { get; init; }

    /// <summary>HiNAS networks: how many times the genotype's search width F the network was retrained at.</summary>
    public double? WidthMultiplier { get; init; }

    /// <summary>HiNAS networks: "light" or "decoder".</summary>
    public string? Head { get; init; }
    public long Params { get; init; }
    public double FlopsPerMegapixel { get; init; }
    public Dictionary<string, double>? Metrics { get; init; }

    /// <summary>The graph's arithmetic: <see cref="ModelPrecision"/>; packages written before it was recorded are float32.</summary>
    public string Precision { get; init; } = ModelPrecision.Float32;

    /// <summary>An int8 graph: the settings it was calibrated and tuned with (`hinas export --int8`'s), so that it can be made again.</summary>
    public JsonNode? Quantization { get; init; }
    public required long ModelBytes { get; init; }
    public required string ModelSha256 { get; init; }
    public DateTimeOffset Created { get; init; } = DateTimeOffset.UtcNow;
    public string? Producer { get; init; }

    /// <summary>The frame-time budget the network was searched for and its latency measured at export (latency-budgeted search).</summary>
    public ModelLatency? Latency { get; init; }

    /// <summary>The task as the rest of the system names it (σ from the manifest; 25 when a denoiser has none).</summary>
    public RestorationTask ToTask() => Task switch
    {
        "denoise" => RestorationTask.Denoise(Sigma ?? 25, Channels),
        "sr" => RestorationTask.SuperResolution(Scale, Channels),
        _ => throw new ArgumentException($"task '{Task}' is not denoise or sr"),
    };

    /// <summary>
    /// What is wrong with a request's σ for this model, or null: unset (null) asks for the model's own σ; a σ (0 for a
    /// clean frame) needs a model that takes the noise level, and must lie in its range.
    /// </summary>
    public string? SigmaProblem(double? sigma)
    {
        if (sigma is not { } s) return null;
        if (!double.IsFinite(s) || s < 0 || s > 255) return $"{s} is not a σ in [0, 255] (leave it unset for the model's own)";
        if (NoiseLevelInput is null)
            return $"model '{Id}' does not take the noise level ({(Task == "denoise" ? "it was trained blind or at one σ" : "it is an upscaler")}); leave it unset";
        if (SigmaRange is [var min, var max] && (s < min || s > max))
            return $"{s} is outside [{min}, {max}], the σ range of model '{Id}'";
        return null;
    }

    /// <summary>The noise-level input's value for a request's σ (null: the model's σ), or null for a model without one. Check <see cref="SigmaProblem"/> first.</summary>
    public float? NoiseLevelFor(double? sigma) =>
        NoiseLevelInput is null ? null : NoiseLevelMap.Level(sigma ?? ToTask().Sigma);

    /// <summary>Checks the fields a server relies on; returns the first problem, or null.</summary>
    public string? Problem()
    {
        if (Schema != SchemaName) return $"schema is '{Schema}', expected '{SchemaName}'";
        if (string.IsNullOrWhiteSpace(Id) || !ModelId.IsValid(Id)) return $"id '{Id}' is not valid ({ModelId.Rule})";
        if (Task is not ("denoise" or "sr")) return $"task '{Task}' is not denoise or sr";
        if (Channels is not (1 or 3)) return $"channels {Channels} is not 1 or 3";
        if (ModelPrecision.Problem(Precision) is { } precision) return precision;
        if (Task == "denoise" && Scale != 1) return $"a denoiser has scale 1, not {Scale}";
        if (Task == "sr" && Scale is < 2 or > 4) return $"SR scale {Scale} is not 2, 3 or 4";
        if (!PixelUnshuffleFactor.IsValid(InputMultiple)) return $"input_multiple {InputMultiple}: {PixelUnshuffleFactor.Rule}";
        if (NoiseLevelInput is not null && (Task != "denoise" || string.IsNullOrWhiteSpace(NoiseLevelInput))) return $"noise_level_input '{NoiseLevelInput}' needs a denoiser and a name";
        if (Latency?.Problem() is { } latency) return $"latency: {latency}";
        if (ModelBytes <= 0) return "model_bytes is missing";
        if (string.IsNullOrWhiteSpace(ModelSha256) || ModelSha256.Length != 64) return "model_sha256 is missing";
        return null;
    }
}

/// <summary>Model ids: 1–64 characters of a–z, 0–9, '-', '_' and '.', starting with a letter or digit.</summary>
public static class ModelId
{
    public const string Rule = "1-64 characters a-z 0-9 - _ . starting with a letter or digit";

    public static bool IsValid(string id) =>
        id.Length is >= 1 and <= 64 && char.IsAsciiLetterOrDigit(id[0])
        && id.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_' or '.');
}

/// <summary>A model's measured latency: ONNX Runtime, one frame of Width × Height input pixels, median of repeated runs.</summary>
public sealed record ModelLatency
{
    public required double MeasuredMs { get; init; }
    public required int Width { get; init; }
    public required int Height { get; init; }
    public required string Device { get; init; }

    /// <summary>The budget the search was given, when it had one.</summary>
    public double? BudgetMs { get; init; }

    /// <summary>What is wrong with it, or null: a frame of at least one pixel each way, a positive time.</summary>
    public string? Problem() =>
        Width < 1 || Height < 1 ? $"the frame {Width}×{Height} has no pixels"
        : !(double.IsFinite(MeasuredMs) && MeasuredMs > 0) ? $"measured_ms {MeasuredMs} is not a positive time"
        : null;
}
