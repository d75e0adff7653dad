namespace HiNas.Nas.Space;

/// <summary>
/// Where a cell's nonlinearity sits, and so how many separate passes over memory its network makes when ONNX Runtime
/// runs it. A property of the search space (a genotype rebuilds the network it was searched and trained with).
/// <list type="bullet">
/// <item><see cref="CellForm.Paper"/>: every operation begins with LeakyReLU (LeakyReLU → conv → BatchNorm, the
/// paper's and the official code's pre-activation), the 1×1 projections too; a node is the sum of its two edges. The
/// LeakyReLU reads a sum or a concatenation, so ONNX Runtime runs it on its own: one more pass over the state per
/// operation (bench/latency's kernels: a quarter of the frame-time space's time went to such passes).</item>
/// <item><see cref="CellForm.Fused"/>: every operation is linear (conv → BatchNorm; a separable one keeps an inner
/// ReLU after its first half) and a node is ReLU of the sum of its two edges, so that the sum and the activation fold
/// into the convolution that writes the node (ONNX Runtime's blocked-layout convolution adds a second input and then
/// applies ReLU in one pass — it does not do so for LeakyReLU, which it runs on its own, after reordering the state
/// out of and back into its blocked layout: bench/latency kernels); a skip is the state scaled per channel, started at
/// 0 (<see cref="OperationKind.ScaledSkip"/>, one Mul); the projections are linear 1×1 convolutions, and
/// none where the state already has the cell's channels (<see cref="SearchSpace.Projects"/>); the head reads the last
/// node without another activation; its convolutions onto as many channels start as the identity (HiNas.Search's
/// ConvBn). Every part of such a network is one convolution as ONNX Runtime runs it, as in a plain stack (FFDNet).</item>
/// </list>
/// </summary>
public enum CellForm
{
    Paper,
    Fused,
}

public static class CellForms
{
    /// <summary>The setting that chooses the form.</summary>
    public const string Setting = "cell_form";

    public static string Name(this CellForm form) => form == CellForm.Paper ? "paper" : "fused";

    /// <summary>The form as a genotype or options file records it: written when it is not the paper's (absent is the paper's, as in every file written before the setting existed).</summary>
    public static string? Json(this CellForm form) => form == CellForm.Paper ? null : form.Name();

    public static CellForm FromJson(string? text) => text is null ? CellForm.Paper : Parse(text);

    /// <summary>"paper" or "fused"; anything else is an error naming both.</summary>
    public static CellForm Parse(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "paper" => CellForm.Paper,
        "fused" => CellForm.Fused,
        _ => throw new ArgumentException($"cell form '{text}' is not paper or fused"),
    };
}
