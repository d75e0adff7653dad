namespace HiNas.Nas.Settings;

/// <summary>
/// A setting whose value cannot be used. <see cref="Setting"/> is its name as options.json and the Jobs RPC spell
/// it (snake_case: "steps_per_epoch", "kind"); the message is "setting: problem". Entry points add their own
/// context — the Jobs service its request field ("search.steps_per_epoch"), never a CLI flag in the core.
/// </summary>
public sealed class SettingException(string setting, string problem) : ArgumentException($"{setting}: {problem}")
{
    public string Setting { get; } = setting;

    public string Problem { get; } = problem;

    /// <summary>Throws a <see cref="SettingException"/> for <paramref name="setting"/> unless <paramref name="condition"/> holds.</summary>
    public static void Require(bool condition, string setting, string problem)
    {
        if (!condition) throw new SettingException(setting, problem);
    }
}
