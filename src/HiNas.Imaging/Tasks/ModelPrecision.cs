namespace HiNas.Imaging.Tasks;

/// <summary>The arithmetic of a graph, as a package's manifest, the graph's metadata and a latency table name it.</summary>
public static class ModelPrecision
{
    /// <summary>float32 throughout (every package written before precisions were recorded).</summary>
    public const string Float32 = "float32";

    /// <summary>A QDQ graph: the network in uint8 activations and int8 per-channel weights, the task's residual in float32.</summary>
    public const string Int8 = "int8";

    /// <summary>Every precision, as options accept them.</summary>
    public static readonly string[] All = [Float32, Int8];

    public static bool IsKnown(string? precision) => precision is Float32 or Int8;

    /// <summary>What is wrong with <paramref name="precision"/> (the one rule manifests, tables and timings check), or null.</summary>
    public static string? Problem(string? precision) => IsKnown(precision) ? null : $"precision '{precision}' is not {Float32} or {Int8}";

    /// <summary><paramref name="precision"/>, or an <see cref="ArgumentException"/> naming it.</summary>
    public static string Require(string precision) => Problem(precision) is { } problem ? throw new ArgumentException(problem) : precision;
}
