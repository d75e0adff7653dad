namespace HiNas.Nas.Settings;

/// <summary>A task as a user gives it; null takes the default (kind has none).</summary>
public sealed record TaskSettings
{
    /// <summary>"denoise" or "sr".</summary>
    public string? Kind { get; init; }
    public double? Sigma { get; init; }
    public int? Scale { get; init; }
    public int? Channels { get; init; }
}
