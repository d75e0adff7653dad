using HiNas.Imaging.Tasks;
using HiNas.Nas.Genotypes;
using HiNas.Nas.Space;

namespace HiNas.Nas.Tests.Genotypes;

public class ArchitectureEntropyTests
{
    private static readonly SearchSpace Space = new(RestorationTask.Denoise(25, 1), 3, 2, 4, SearchSpace.DefaultWidthFactors, 8);

    private static double[][][] Alpha(double strength) =>
        Enumerable.Range(0, Space.Layers).Select(_ => Enumerable.Range(0, CellTopology.EdgeCount(Space.Blocks))
            .Select(e => Enumerable.Range(0, OperationNames.Count).Select(o => o == e % 5 ? strength : 0.0).ToArray()).ToArray()).ToArray();

    /// <summary>β favouring one move by <paramref name="strength"/> (logits; the masked moves at −50).</summary>
    private static double[][] Beta(double strength, int move)
    {
        var lattice = Space.Lattice;
        var mask = lattice.ImpossibleMoves();
        return Enumerable.Range(0, lattice.SourceCount).Select(s => Enumerable.Range(0, WidthLattice.MoveCount)
            .Select(m => mask[s, m] ? WidthLattice.MaskedLogit : m == move ? strength : 0.0).ToArray()).ToArray();
    }

    [Fact]
    public void UniformIsOne_ADecidedChoiceNearZero()
    {
        Assert.Equal(1.0, ArchitectureEntropy.OfAlpha(Alpha(0)), 12);
        Assert.Equal(1.0, ArchitectureEntropy.OfBeta(Beta(0, WidthLattice.Up), Space.Lattice), 12);
        Assert.True(ArchitectureEntropy.OfAlpha(Alpha(20)) < 1e-6);
        Assert.True(ArchitectureEntropy.OfBeta(Beta(20, WidthLattice.Same), Space.Lattice) < 1e-6);
        // the masked moves are not choices: a row with two possible moves at ½ each is uniform
        var half = Beta(0, WidthLattice.Up);
        Assert.Equal(WidthLattice.MaskedLogit, half[0][WidthLattice.Down]);
        Assert.Equal(1.0, ArchitectureEntropy.OfBeta(half, Space.Lattice), 12);
    }

    [Fact]
    public void TheDerivationSaysWhenBetaDidNotDecideTheWidthPath()
    {
        var cells = Derivation.Derive(Space, Alpha(3), Beta(0, WidthLattice.Up)).Cells;
        var uniform = new Genotype(Space, cells, Derivation.DeriveWidthPath(Beta(0.01, WidthLattice.Up), Space.Lattice), Alpha(3), Beta(0.01, WidthLattice.Up));
        var warning = ArchitectureEntropy.UndecidedWidthPath(uniform);
        Assert.NotNull(warning);
        Assert.Contains("β is near uniform", warning);
        Assert.Contains($"[{string.Join(",", uniform.WidthPath)}]", warning);

        var learnt = Derivation.Derive(Space, Alpha(3), Beta(2, WidthLattice.Same));
        Assert.Equal(new[] { 0, 0, 0 }, learnt.WidthPath);
        Assert.True(learnt.BetaEntropy < ArchitectureEntropy.UndecidedBeta);
        Assert.Null(ArchitectureEntropy.UndecidedWidthPath(learnt));
        Assert.Null(ArchitectureEntropy.UndecidedWidthPath(RandomGenotype.Sample(Space, 1))); // no β: nothing to judge
    }
}
