namespace HiNas.Imaging.Tasks;

/// <summary>The arithmetic of a graph, as a package's manifest, the graph's metadata and a latency table name it.</summary>
public static class ModelPrecision
{
    /// <summary>float32 throughout (every package written before precisions were recorded).</summary>
    public const string Float32 = "float32";

    /// <summary>A QDQ graph: the network in uint8 activations and int8 per-channel weights, the task's residual in float32.</summary>
    public const string Int8 = "int8";

    public static bool IsKnown(string? precision) => precision is Float32 or Int8;
}
