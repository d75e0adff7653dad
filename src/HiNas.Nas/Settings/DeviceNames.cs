using System.Globalization;

namespace HiNas.Nas.Settings;

/// <summary>The devices a search or training may ask for: "auto" (CUDA when present), "cpu", "cuda" or "cuda:N".</summary>
public static class DeviceNames
{
    public const string Auto = "auto";

    public static bool IsValid(string? name) => name switch
    {
        "auto" or "cpu" or "cuda" => true,
        _ => name is not null && name.StartsWith("cuda:", StringComparison.Ordinal)
            && int.TryParse(name.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index is >= 0 and < 64,
    };
}
