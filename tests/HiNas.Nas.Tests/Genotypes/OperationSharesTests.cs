using HiNas.Nas.Genotypes;
using HiNas.Nas.Space;

namespace HiNas.Nas.Tests.Genotypes;

public class OperationSharesTests
{
    private static double[] Row(int favoured, double strength) =>
        Enumerable.Range(0, OperationNames.Count).Select(o => o == favoured ? strength : 0.0).ToArray();

    [Fact]
    public void UniformAlpha_SharesEveryOperationEqually()
    {
        var shares = OperationShares.Of(new[] { new[] { Row(0, 0), Row(0, 0) }, new[] { Row(0, 0) } });
        Assert.Equal(OperationNames.All, shares.Keys);
        Assert.All(shares.Values, s => Assert.Equal(1.0 / OperationNames.Count, s, 12));
    }

    [Fact]
    public void Shares_AreTheMeanSoftmaxOverEveryLayersEdges()
    {
        var conv = OperationNames.IndexOf(OperationNames.Conv3x3);
        var skip = OperationNames.SkipIndex;
        // one layer's edge favours conv 3×3, two others (one in another layer) favour the skip
        var alpha = new[] { new[] { Row(conv, 3), Row(skip, 3) }, new[] { Row(skip, 3) } };
        var shares = OperationShares.Of(alpha);

        var strong = Math.Exp(3) / (Math.Exp(3) + OperationNames.Count - 1);
        var weak = 1 / (Math.Exp(3) + OperationNames.Count - 1);
        Assert.Equal((strong + 2 * weak) / 3, shares[OperationNames.Conv3x3], 12);
        Assert.Equal((2 * strong + weak) / 3, shares[OperationNames.Skip], 12);
        Assert.Equal(weak, shares[OperationNames.SepConv3x3], 12);
        Assert.Equal(1.0, shares.Values.Sum(), 12);
    }

    [Fact]
    public void AlphaWithoutEdgesOrWithTheWrongNumberOfOperations_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => OperationShares.Of(new[] { Array.Empty<double[]>() }));
        var error = Assert.Throws<ArgumentException>(() => OperationShares.Of(new[] { new[] { new double[3] } }));
        Assert.Contains("one weight per operation", error.Message);
    }
}
