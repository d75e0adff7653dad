using HiNas.Nas.Genotypes;
using HiNas.Nas.Space;

namespace HiNas.Nas.Tests.Genotypes;

public class DerivationTests
{
    private static double[][] Uniform(int blocks) =>
        Enumerable.Range(0, CellTopology.EdgeCount(blocks)).Select(_ => new double[OperationNames.Count]).ToArray();

    private static void Favour(double[][] alpha, int node, int input, string op, double logit)
    {
        alpha[CellTopology.Edge(node, input)][OperationNames.IndexOf(op)] = logit;
    }

    [Fact]
    public void CraftedAlphaDerivesTheExpectedCell()
    {
        var alpha = Uniform(3);
        // node 0 reads s0, s1: both kept (only two inputs); ops chosen by argmax.
        Favour(alpha, 0, 0, OperationNames.SepConv3x3, 3);
        Favour(alpha, 0, 1, OperationNames.Conv3x3, 2);
        // node 1 reads s0, s1, n0: keep n0 (dil 5×5, strength 4) and s1 (skip, 3); s0 has a weak conv.
        Favour(alpha, 1, 2, OperationNames.DilConv5x5, 4);
        Favour(alpha, 1, 1, OperationNames.Skip, 3);
        Favour(alpha, 1, 0, OperationNames.Conv3x3, 1);
        // node 2: "none" dominates the edge from s0 but must never be chosen; its best real op is weak.
        Favour(alpha, 2, 0, OperationNames.None, 10);
        Favour(alpha, 2, 3, OperationNames.SepConv5x5, 5);
        Favour(alpha, 2, 2, OperationNames.DilConv3x3, 4);

        var cell = Derivation.DeriveCell(alpha, blocks: 3);

        var expected = new CellGenotype(new[]
        {
            new CellEdge(OperationNames.SepConv3x3, 0), new CellEdge(OperationNames.Conv3x3, 1),
            new CellEdge(OperationNames.Skip, 1), new CellEdge(OperationNames.DilConv5x5, 2),
            new CellEdge(OperationNames.DilConv3x3, 2), new CellEdge(OperationNames.SepConv5x5, 3),
        });
        Assert.Equal(expected, cell);
        Assert.DoesNotContain(cell.Edges, e => e.Op == OperationNames.None);
    }

    /// <summary>
    /// Measured strengths (perturbation selection) choose the operations and the two inputs per node where α would
    /// choose others; the genotype keeps α and β, and the width path stays β's.
    /// </summary>
    [Fact]
    public void StrengthsChooseTheCell_WhereAlphaWouldChooseAnother()
    {
        var space = new SearchSpace(HiNas.Imaging.Tasks.RestorationTask.Denoise(25, 1), 2, 2, 4, SearchSpace.DefaultWidthFactors, 8);
        var alpha = new[] { Uniform(2), Uniform(2) };
        foreach (var row in alpha) foreach (var edge in row) edge[OperationNames.IndexOf(OperationNames.Conv3x3)] = 1; // α: conv 3×3 everywhere
        var strengths = new[] { Uniform(2), Uniform(2) };
        Favour(strengths[0], 0, 0, OperationNames.DilConv5x5, 0.3);
        Favour(strengths[0], 0, 1, OperationNames.SepConv3x3, 0.2);
        Favour(strengths[0], 1, 0, OperationNames.DilConv3x3, 0.5);
        Favour(strengths[0], 1, 1, OperationNames.Conv3x3, 0.01); // weakest input of node 1: dropped
        Favour(strengths[0], 1, 2, OperationNames.Skip, 0.1);
        Favour(strengths[0], 1, 2, OperationNames.None, 9);       // `none` never counts
        foreach (var edge in strengths[1]) edge[OperationNames.IndexOf(OperationNames.DilConv3x3)] = 0.2;
        var beta = new double[space.Lattice.SourceCount][];
        for (var r = 0; r < beta.Length; r++) beta[r] = new double[WidthLattice.MoveCount];

        var measured = Derivation.Derive(space, alpha, beta, strengths);
        var byAlpha = Derivation.Derive(space, alpha, beta);

        Assert.Equal(new CellGenotype(new[]
        {
            new CellEdge(OperationNames.DilConv5x5, 0), new CellEdge(OperationNames.SepConv3x3, 1),
            new CellEdge(OperationNames.DilConv3x3, 0), new CellEdge(OperationNames.Skip, 2),
        }), measured.Cells[0]);
        Assert.All(measured.Cells[1].Edges, e => Assert.Equal(OperationNames.DilConv3x3, e.Op));
        Assert.All(byAlpha.Cells.SelectMany(c => c.Edges), e => Assert.Equal(OperationNames.Conv3x3, e.Op));
        Assert.Equal(byAlpha.WidthPath, measured.WidthPath);
        Assert.Equal(byAlpha.AlphaEntropy, measured.AlphaEntropy);
    }

    [Fact]
    public void NoneIsNeverChosenEvenWhenItDominatesEveryEdge()
    {
        var alpha = Uniform(4);
        foreach (var edge in alpha) edge[OperationNames.NoneIndex] = 20;
        var cell = Derivation.DeriveCell(alpha, 4);
        Assert.Equal(8, cell.Edges.Count);
        Assert.DoesNotContain(cell.Edges, e => e.Op == OperationNames.None);
    }

    /// <summary>
    /// L = 3, W = 3. β rows: stem, layer 1 widths 0–1, layer 2 widths 0–2. Crafted: stem → up (to 1),
    /// (1,1) → up (to 2), (2,2) → down (to 1). The masked moves (down from 0, up from 2) are given huge logits
    /// and must be ignored.
    /// </summary>
    [Fact]
    public void CraftedBetaGivesTheExpectedViterbiPathAndRespectsMasks()
    {
        var lattice = new WidthLattice(3, 3);
        Assert.Equal(1 + 2 + 3, lattice.SourceCount);
        var beta = Enumerable.Range(0, lattice.SourceCount).Select(_ => new double[3]).ToArray();
        beta[lattice.SourceIndex(0, 0)] = new[] { 100.0, 0, 5 };   // down is impossible from width 0
        beta[lattice.SourceIndex(1, 1)] = new[] { 0.0, 0, 5 };
        beta[lattice.SourceIndex(2, 2)] = new[] { 5.0, 0, 100 };   // up is impossible from the top width

        var path = Derivation.DeriveWidthPath(beta, lattice);

        Assert.Equal(new[] { 1, 2, 1 }, path);
    }

    [Fact]
    public void ViterbiMaximisesTheWholePathNotEachStep()
    {
        // Greedy would take stem→0 (0.5 vs 0.4 up) and then be stuck with a poor next move;
        // the best product goes up first: 0.4·0.99 > 0.5·0.5.
        var lattice = new WidthLattice(2, 2);
        var beta = new double[lattice.SourceCount][];
        beta[lattice.SourceIndex(0, 0)] = new[] { 0.0, Math.Log(0.5), Math.Log(0.4) };
        beta[lattice.SourceIndex(1, 0)] = new[] { 0.0, Math.Log(0.5), Math.Log(0.5) };
        beta[lattice.SourceIndex(1, 1)] = new[] { Math.Log(0.01), Math.Log(0.99), 0.0 };
        Assert.Equal(new[] { 1, 1 }, Derivation.DeriveWidthPath(beta, lattice));
    }

    [Fact]
    public void LatticeHasMinLPlusOneLiveWidths()
    {
        var lattice = new WidthLattice(4, 3);
        Assert.Equal(new[] { 1, 2, 3, 3, 3 }, Enumerable.Range(0, 5).Select(lattice.LiveWidths));
        var mask = lattice.ImpossibleMoves();
        Assert.True(mask[0, WidthLattice.Down]);
        Assert.False(mask[0, WidthLattice.Up]);
        Assert.True(mask[lattice.SourceIndex(3, 2), WidthLattice.Up]);
        Assert.Equal(new[] { 0, 1 }, lattice.Inputs(2, 0));
        Assert.Equal(new[] { 1 }, lattice.Inputs(2, 2));
    }
}
