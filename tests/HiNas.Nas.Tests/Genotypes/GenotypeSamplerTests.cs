using HiNas.Imaging.Tasks;
using HiNas.Nas.Genotypes;
using HiNas.Nas.Space;

namespace HiNas.Nas.Tests.Genotypes;

public class GenotypeSamplerTests
{
    private static readonly SearchSpace Space = new(RestorationTask.Denoise(25, 1), 3, 3, 8, SearchSpace.DefaultWidthFactors, 8);

    /// <summary>α favouring, on every edge, <paramref name="op"/> with logit <paramref name="logit"/>; with <paramref name="starveS1"/>, s1's edges `none`.</summary>
    private static double[][][] Alpha(int layers, string op, double logit, bool starveS1 = false) =>
        Enumerable.Range(0, layers).Select(_ => Enumerable.Range(0, CellTopology.EdgeCount(Space.Blocks)).Select(edge =>
        {
            var row = new double[OperationNames.Count];
            row[OperationNames.IndexOf(op)] = logit;
            var isFromS1 = Enumerable.Range(0, Space.Blocks).Any(node => CellTopology.Edge(node, 1) == edge);
            if (starveS1 && isFromS1) for (var o = 0; o < row.Length; o++) row[o] = o == OperationNames.NoneIndex ? logit + 8 : 0;
            return row;
        }).ToArray()).ToArray();

    [Fact]
    public void FromAlpha_DrawsInProportionToAlpha_InputsAndOperations()
    {
        var alpha = Alpha(3, OperationNames.DilConv5x5, 6, starveS1: true);
        var path = new[] { 0, 1, 1 };
        var drawn = Enumerable.Range(1, 40).Select(seed => GenotypeSampler.FromAlpha(Space, alpha, path, (ulong)seed)).ToArray();

        Assert.All(drawn, g => Assert.Equal(path, g.WidthPath));
        Assert.All(drawn, g => Assert.Null(g.Alpha));
        var edges = drawn.SelectMany(g => g.Cells.SelectMany(c => c.Edges)).Where(e => e.Input != 1).ToArray();
        // exp(6) against 5·1 for the favoured operation: ~99 % of the edges (s1's, all `none`, draw among the rest evenly)
        Assert.InRange(edges.Count(e => e.Op == OperationNames.DilConv5x5) / (double)edges.Length, 0.95, 1.0);
        // s1's edges are nearly all `none`: their strongest usable weight is tiny, so after node 0 (which has only s0 and
        // s1 to read) s1 is rarely an input
        var later = drawn.SelectMany(g => g.Cells.SelectMany(c => c.Edges.Skip(2))).ToArray();
        Assert.InRange(later.Count(e => e.Input == 1) / (double)later.Length, 0.0, 0.02);
        Assert.True(drawn.Distinct().Count() > 1, "the draws differ");
        Assert.Equal(drawn[0], GenotypeSampler.FromAlpha(Space, alpha, path, 1)); // a seed draws the same network
    }

    [Fact]
    public void FromAlpha_WithOneRowOfAlpha_DrawsEveryLayerFromIt_AndUniformIsRandomGenotypesCells()
    {
        var tied = Alpha(1, OperationNames.SepConv3x3, 9);
        var g = GenotypeSampler.FromAlpha(Space, tied, new[] { 0, 0, 0 }, 4);
        Assert.All(g.Cells.SelectMany(c => c.Edges), e => Assert.Equal(OperationNames.SepConv3x3, e.Op));

        var uniform = GenotypeSampler.Uniform(Space, new[] { 0, 0, 1 }, 11);
        Assert.Equal(RandomGenotype.Sample(Space, 11).Cells, uniform.Cells);
        Assert.Equal(new[] { 0, 0, 1 }, uniform.WidthPath);
    }
}
