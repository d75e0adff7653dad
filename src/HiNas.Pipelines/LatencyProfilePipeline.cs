using HiNas.Imaging.Tasks;
using HiNas.Nas.Latency;
using HiNas.Nas.Space;
using HiNas.Onnx.Latency;

namespace HiNas.Pipelines;

/// <summary>A latency table written, with the space's floor: predicted by the table and run whole by ONNX Runtime.</summary>
public sealed record LatencyProfile(string TablePath, LatencyTable Table, LatencyFloor Floor, double FloorMeasuredMs);

/// <summary>
/// `hinas profile-latency` and a budgeted job's profile stage: every part of the space measured with ONNX Runtime at
/// one input size and precision (<see cref="LatencyProfiler"/>), the table written atomically, then the floor network run whole —
/// the sum of its parts, each timed with warm caches, predicts it low.
/// </summary>
public static class LatencyProfilePipeline
{
    public static LatencyProfile Run(SearchSpace space, int width, int height, int repeats, string tablePath, Action<string, double>? progress = null,
        string precision = ModelPrecision.Float32)
    {
        var table = LatencyProfiler.Profile(space, width, height, repeats, progress, precision);
        var path = Path.GetFullPath(tablePath);
        table.Save(path);
        var floor = LatencyFloor.Of(space, table);
        var measured = MeasuredBudget.MeasureFloor(floor, table) ?? throw new InvalidOperationException("a table just measured here names another machine");
        return new LatencyProfile(path, table, floor, measured);
    }
}
