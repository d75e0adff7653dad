using System.Globalization;

namespace HiNas.Search.Runtime;

/// <summary>Whether this process computes with oneDNN, at which instruction-set cap, in which layout, and why: the line the runtime logs.</summary>
public sealed record OneDnnDecision(bool Enabled, string Mode, string? IsaCap, ActivationLayout Layout, OneDnnCheckResult? Check, string Reason)
{
    public override string ToString()
    {
        var state = Enabled ? "on" + (IsaCap is null ? "" : $" (ISA capped at {IsaCap})") + $", {Layout} activations" : "off";
        var check = Check is null ? "" : string.Create(CultureInfo.InvariantCulture,
            $"; self-check: float32 vs float64 relative error {Check.MaxOutputError:G3} (output), {Check.MaxInputError:G3} (input gradient), {Check.MaxWeightError:G3} (weight gradient), worst {Check.WorstCase}, {Check.Milliseconds:F0} ms");
        return $"oneDNN {state} [HINAS_ONEDNN={Mode}]: {Reason}{check}";
    }
}
