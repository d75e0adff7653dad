using HiNas.Nas.Runs;

namespace HiNas.Nas.Workers;

/// <summary>
/// RUN_DIR/result.json, written atomically by a worker when its stage ends — succeeded, or failed with the error
/// a user can act on — so that whoever started it reads a structured outcome instead of parsing its output.
/// A worker that was killed writes none.
/// </summary>
public sealed record WorkerResult
{
    public const string FileName = "result.json";

    public required string Stage { get; init; }
    public required bool Succeeded { get; init; }

    /// <summary>The failure in one line (what was wrong, naming the setting or file); null on success.</summary>
    public string? Error { get; init; }

    /// <summary>What the stage produced, by name ("genotype", "model", "table", "summary"): paths inside or beside the run folder.</summary>
    public Dictionary<string, string> Outputs { get; init; } = new();

    /// <summary>A line for people about the outcome (e.g. the budget verdict of a budgeted search).</summary>
    public string? Message { get; init; }

    public DateTimeOffset Finished { get; init; } = DateTimeOffset.UtcNow;

    public void Save(string runDir) => RunFiles.WriteJsonAtomic(Path.Combine(runDir, FileName), this);

    /// <summary>The result in <paramref name="runDir"/>, or null when the worker wrote none (killed, or crashed before it could).</summary>
    public static WorkerResult? TryLoad(string runDir)
    {
        var path = Path.Combine(runDir, FileName);
        if (!File.Exists(path)) return null;
        try
        {
            return RunFiles.ReadJson<WorkerResult>(path);
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    public static void Delete(string runDir) => File.Delete(Path.Combine(runDir, FileName));
}
