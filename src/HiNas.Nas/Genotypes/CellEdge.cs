namespace HiNas.Nas.Genotypes;

/// <summary>One chosen edge of a derived cell: operation <see cref="Op"/> applied to state <see cref="Input"/>
/// (0 = s0, the previous layer; 1 = s1, two layers back; 2+m = node m).</summary>
public sealed record CellEdge(string Op, int Input);
