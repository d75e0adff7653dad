using HiNas.Imaging.Tasks;
using HiNas.Nas.Runs;
using HiNas.Nas.Settings;

namespace HiNas.Nas.Workers;

/// <summary>What a profile stage measures: the search space of a search's options, at one input size, into one table file.</summary>
public sealed record ProfileOptions
{
    /// <summary>A search's options.json: its task and space (layers, blocks, filters, widths, stem) are profiled.</summary>
    public required string SearchOptions { get; init; }
    public required int Width { get; init; }
    public required int Height { get; init; }
    public const int DefaultRepeats = 7;

    public int Repeats { get; init; } = DefaultRepeats;

    /// <summary>The latency table to write.</summary>
    public required string Out { get; init; }

    /// <summary>The arithmetic the parts are timed in (<see cref="ModelPrecision"/>).</summary>
    public string Precision { get; init; } = ModelPrecision.Float32;

    public void Validate()
    {
        SettingException.Require(Width is >= 8 and <= 8192 && Height is >= 8 and <= 8192, "resolution", $"{Width}x{Height}: each side must be in [8, 8192]");
        SettingException.Require(Repeats is >= 1 and <= 1000, "repeats", $"must be in [1, 1000], got {Repeats}");
        SettingException.Require(!string.IsNullOrWhiteSpace(Out), "out", "is empty");
        if (ModelPrecision.Problem(Precision) is { } precision) throw new SettingException("precision", precision);
    }

    public void Save(string path) => RunFiles.WriteJsonAtomic(path, this);

    public static ProfileOptions Load(string path)
    {
        var options = RunFiles.ReadJson<ProfileOptions>(path);
        options.Validate();
        return options;
    }
}
