namespace HiNas.Nas.Space;

/// <summary>The names of the candidate operations, in the order of α's last axis (their definitions: <see cref="Operations"/>).</summary>
public static class OperationNames
{
    public const string Conv3x3 = "conv_3x3";
    public const string SepConv3x3 = "sep_conv_3x3";
    public const string SepConv5x5 = "sep_conv_5x5";
    public const string DilConv3x3 = "dil_conv_3x3";
    public const string DilConv5x5 = "dil_conv_5x5";
    public const string Skip = "skip_connect";
    public const string None = "none";

    /// <summary>All candidates; α[l, edge, i] weighs <c>All[i]</c>.</summary>
    public static readonly IReadOnlyList<string> All = Operations.All.Select(o => o.Name).ToArray();

    public static int Count => All.Count;

    public static int IndexOf(string name)
    {
        for (var i = 0; i < All.Count; i++)
            if (All[i] == name) return i;
        throw new ArgumentException($"unknown operation '{name}' (known: {string.Join(", ", All)})", nameof(name));
    }

    public static int NoneIndex { get; } = IndexOf(None);

    public static int SkipIndex { get; } = IndexOf(Skip);
}
