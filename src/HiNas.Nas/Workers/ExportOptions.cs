using HiNas.Nas.Runs;
using HiNas.Nas.Settings;

namespace HiNas.Nas.Workers;

/// <summary>
/// What an export stage does: the training run to export, the package folder to publish, its model id, and
/// optionally a latency measurement at an input size recorded in the manifest with the budget it was searched for.
/// </summary>
public sealed record ExportOptions
{
    public required string Checkpoint { get; init; }
    public required string Out { get; init; }
    public string? Id { get; init; }
    public bool Overwrite { get; init; }
    public int? MeasureWidth { get; init; }
    public int? MeasureHeight { get; init; }
    public double? BudgetMs { get; init; }

    /// <summary>Export the int8 graph made with these settings instead of the float one (null: float).</summary>
    public Int8Settings? Int8 { get; init; }

    public void Validate()
    {
        SettingException.Require(!string.IsNullOrWhiteSpace(Checkpoint), "checkpoint", "is empty");
        SettingException.Require(!string.IsNullOrWhiteSpace(Out), "out", "is empty");
        SettingException.Require(MeasureWidth.HasValue == MeasureHeight.HasValue, "measure_latency", "needs both a width and a height");
        SettingException.Require(MeasureWidth is null or (>= 8 and <= 8192) && MeasureHeight is null or (>= 8 and <= 8192), "measure_latency", "each side must be in [8, 8192]");
        SettingException.Require(BudgetMs is null || (MeasureWidth is not null && BudgetMs > 0 && double.IsFinite(BudgetMs.Value)), "budget_ms",
            "needs a latency measurement and a positive number of milliseconds");
        Int8?.Validate();
    }

    public void Save(string path) => RunFiles.WriteJsonAtomic(path, this);

    public static ExportOptions Load(string path)
    {
        var options = RunFiles.ReadJson<ExportOptions>(path);
        options.Validate();
        return options;
    }
}
