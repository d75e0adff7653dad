using HiNas.Nas.Space;
using HiNas.Search.Operations;
using HiNas.Search.Runtime;
using static TorchSharp.torch;

namespace HiNas.Search.Tests.Training;

/// <summary>Where a fused cell's operations start: each convolution onto as many channels passes its input through.</summary>
public sealed class FusedStartTests
{
    public FusedStartTests() => TorchRuntime.EnsureInitialized();

    [Theory]
    [InlineData(OperationNames.Conv3x3, ConvStyle.Dense)]
    [InlineData(OperationNames.DilConv3x3, ConvStyle.Dense)]
    [InlineData(OperationNames.DilConv5x5, ConvStyle.Dense)]
    [InlineData(OperationNames.DilConv5x5, ConvStyle.Separable)]
    [InlineData(OperationNames.SepConv3x3, ConvStyle.Dense)]
    [InlineData(OperationNames.SepConv5x5, ConvStyle.Dense)]
    public void AFusedOperation_StartsAsTheIdentity_APapersAtRandom(string name, ConvStyle dilated)
    {
        var op = HiNas.Nas.Space.Operations.Named(name, dilated);
        using var fused = TorchRuntime.Seeded(3, () => OperationTable.Create(op, 6, affine: true, CellForm.Fused));
        using var paper = TorchRuntime.Seeded(3, () => OperationTable.Create(op, 6, affine: true, CellForm.Paper));
        fused.eval();
        paper.eval();
        // non-negative input: the separable convolution's inner ReLU passes it unchanged; BatchNorm's fresh statistics
        // (mean 0, variance 1) divide by √(1 + ε)
        using var x = rand(2, 6, 12, 12);
        using var y = fused.call(x);
        Assert.True(y.allclose(x, rtol: 1e-4, atol: 1e-5), $"fused {name} does not start as the identity");
        using var z = paper.call(x);
        Assert.False(z.allclose(x, rtol: 1e-2, atol: 1e-2), $"the paper's {name} starts as the identity");
        // a 1×1 projection between different channels is not an identity: it starts at random
        using var projection = TorchRuntime.Seeded(3, () => OperationTable.Projection(new SearchSpace(HiNas.Imaging.Tasks.RestorationTask.Denoise(25, 1), 1, 1, 6, new[] { 1.0 }, 8, form: CellForm.Fused), 6, 12, affine: true));
        Assert.True(projection.parameters().First().abs().sum().item<float>() > 0);
    }
}
