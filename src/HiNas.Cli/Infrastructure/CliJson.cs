using System.Text.Json;
using System.Text.Json.Serialization;

namespace HiNas.Cli.Infrastructure;

public static class CliJson
{
    /// <summary>snake_case names; ±∞ (PSNR of identical images) written as the strings "Infinity"/"-Infinity".</summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        WriteIndented = false,
    };
}
