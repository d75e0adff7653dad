namespace HiNas.Nas.Space;

/// <summary>
/// The operations a space offers its cells' edges: every usable one of the registry (the paper's, the default) or a
/// subset of them, e.g. the frame-time space's dense convolutions and skips (a 48-channel separable convolution costs
/// ONNX Runtime 0.63× a dense one's time for a ninth of its arithmetic: bench/latency). α keeps one weight per
/// registry operation; those not offered are masked out of the mixture (as β masks the lattice's impossible moves),
/// never built, drawn, derived or profiled. "none" stays the mixture's zero candidate either way; named in the set
/// (<see cref="OffersNone"/>) it may also be derived, on one edge of a node at most: a node of one operation, so that
/// the space holds the plain stack of the hand designs (FFDNet's conv → ReLU, one per layer).
/// </summary>
public sealed class OperationSet : IEquatable<OperationSet>
{
    /// <summary>The setting that chooses the set.</summary>
    public const string Setting = "operations";

    private readonly HashSet<string> _names;

    private OperationSet(IEnumerable<string> names)
    {
        _names = names.ToHashSet();
        Names = OperationNames.All.Where(_names.Contains).ToArray();
    }

    /// <summary>Every usable operation of the registry.</summary>
    public static OperationSet All { get; } = new(Operations.All.Where(o => o.IsUsable).Select(o => o.Name));

    /// <summary>The offered operations' names, in the order of α's last axis ("none" last, when offered).</summary>
    public IReadOnlyList<string> Names { get; }

    public bool IsAll => Names.SequenceEqual(All.Names);

    /// <summary>
    /// Whether a derived node may be one operation, its other edge "none" (a network of the set never has a node of
    /// two none edges: it would be zero).
    /// </summary>
    public bool OffersNone => _names.Contains(OperationNames.None);

    /// <summary>Whether an edge may run <paramref name="name"/>: an offered operation, or "none" (the mixture's zero).</summary>
    public bool Offers(string name) => name == OperationNames.None || _names.Contains(name);

    /// <summary>
    /// Comma-separated operation names (e.g. "conv_3x3,dil_conv_3x3,skip_connect", with "none" for nodes of one
    /// operation), or "all" (every usable one, "none" not derived: the paper's); an error naming the unknown name, an
    /// empty list, or "none" without an operation beside it.
    /// </summary>
    public static OperationSet Parse(string? text)
    {
        var names = (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (names is ["all"]) return All;
        if (names.Contains("all")) names = names.Where(n => n != "all").Concat(All.Names).Distinct().ToArray(); // "all,none": every operation, and nodes of one
        if (names.Length == 0) throw new ArgumentException($"'{text}' names no operation (give some of {string.Join(", ", All.Names)}, or all)");
        foreach (var name in names)
            if (name != OperationNames.None && !All.Names.Contains(name))
                throw new ArgumentException($"unknown operation '{name}' (known: {string.Join(", ", All.Names)}, and none)");
        if (names.All(n => n == OperationNames.None))
            throw new ArgumentException("'none' alone is no network: name at least one operation beside it (none lets a node be one operation)");
        return new OperationSet(names);
    }

    /// <summary>The set as a genotype or options file records it: null for every operation (absent in every file written before the setting existed).</summary>
    public IReadOnlyList<string>? Json() => IsAll ? null : Names;

    public static OperationSet FromJson(IReadOnlyList<string>? names) => names is null ? All : Parse(string.Join(',', names));

    public bool Equals(OperationSet? other) => other is not null && Names.SequenceEqual(other.Names);

    public override bool Equals(object? obj) => Equals(obj as OperationSet);

    public override int GetHashCode() => Names.Count;

    public override string ToString() => string.Join(", ", Names);
}
