using HiNas.Imaging.Tasks;
using HiNas.Nas.Genotypes;
using HiNas.Nas.Space;
using HiNas.Search.Export;
using HiNas.Search.Networks;
using HiNas.Search.Operations;
using HiNas.Search.Runtime;
using static TorchSharp.torch;

namespace HiNas.Search.Tests.Training;

/// <summary>A fused cell's k×k convolution trained expanded: a collapsible pair, served as the one convolution it multiplies out to.</summary>
public sealed class CollapsibleConvTests
{
    public CollapsibleConvTests() => TorchRuntime.EnsureInitialized();

    [Theory]
    [InlineData(OperationNames.Conv3x3)]
    [InlineData(OperationNames.DilConv5x5)]
    public void AnExpandedConvolution_StartsAsTheOneItTrains_AndExportsAsOneConvolutionComputingThePair(string name)
    {
        var op = HiNas.Nas.Space.Operations.Named(name, ConvStyle.Dense, CellForm.Fused);
        using var expanded = TorchRuntime.Seeded(3, () => OperationTable.Create(op, 5, affine: true, CellForm.Fused, convExpansion: 3));
        using var plain = TorchRuntime.Seeded(3, () => OperationTable.Create(op, 5, affine: true, CellForm.Fused));
        var pair = Assert.Single(expanded.modules().OfType<CollapsibleConv>());
        Assert.Empty(plain.modules().OfType<CollapsibleConv>());
        Assert.Equal(5 * 5 * op.Kernel * op.Kernel, pair.ServedWeights);
        // the expanded k×k part has 3 × 5 output channels, and the pair starts as the plain convolution's identity
        Assert.Contains(expanded.modules().OfType<TorchSharp.Modules.Conv2d>(), c => c.weight!.shape[0] == 15 && c.weight.shape[2] == op.Kernel);
        expanded.eval();
        plain.eval();
        var generator = new Generator(7);
        using var x = rand(new long[] { 2, 5, 12, 12 }, generator: generator);
        using (var start = expanded.call(x)) Assert.True(start.allclose(plain.call(x), rtol: 1e-5, atol: 1e-6), $"{name}: the expanded pair does not start as the convolution");

        // moved away from the start (the branch's γ and the BatchNorm too), its export is one convolution computing the pair
        using (no_grad())
            foreach (var p in expanded.parameters()) p.uniform_(-0.3, 0.3, generator);
        expanded.train();
        for (var i = 0; i < 3; i++) using (var batch = rand(new long[] { 2, 5, 10, 10 }, generator: generator)) expanded.call(batch).Dispose();
        expanded.eval();
        var emitter = new OneConvolution();
        ((IExportable)expanded).Emit(emitter, "x");
        var folded = emitter.Folded!;
        Assert.Equal(new long[] { 5, 5, op.Kernel, op.Kernel }, folded.Shape);
        using var weight = tensor(folded.Weight).reshape(folded.Shape);
        using var bias = tensor(folded.Bias);
        using var exported = nn.functional.conv2d(x, weight, bias, padding: new[] { folded.Padding[0], folded.Padding[1] }, dilation: folded.Dilation);
        using var trained = expanded.call(x);
        Assert.True(exported.allclose(trained, rtol: 1e-4, atol: 1e-5), $"{name}: the collapsed convolution differs by {(exported - trained).abs().max().item<float>()}");

        // evaluation runs the product (what is served); training the pair — the two compute the same
        pair.train();
        using var asPair = pair.call(x);
        pair.eval();
        using var asProduct = pair.call(x);
        Assert.True(asProduct.allclose(asPair, rtol: 1e-4, atol: 1e-5), $"{name}: the product differs from the pair by {(asProduct - asPair).abs().max().item<float>()}");
        Assert.Equal(asPair.shape, asProduct.shape);
    }

    /// <summary>Without an expansion a fused convolution's parts keep their names, so checkpoints written before the setting load as they did.</summary>
    [Fact]
    public void WithoutExpansion_AConvolutionKeepsItsCheckpointNames()
    {
        var op = HiNas.Nas.Space.Operations.Named(OperationNames.Conv3x3, ConvStyle.Dense, CellForm.Fused);
        using var plain = TorchRuntime.Seeded(3, () => OperationTable.Create(op, 4, affine: true, CellForm.Fused));
        var names = plain.state_dict().Keys.ToArray();
        Assert.Contains("conv.weight", names);
        Assert.Contains("bn.running_var", names);
        Assert.Contains("pointwise.conv.weight", names);
        Assert.All(names, n => Assert.True(n.StartsWith("conv.") || n.StartsWith("bn.") || n.StartsWith("pointwise."), n));
        using var expanded = TorchRuntime.Seeded(3, () => OperationTable.Create(op, 4, affine: true, CellForm.Fused, convExpansion: 2));
        var expandedNames = expanded.state_dict().Keys.ToArray();
        Assert.Contains("expanded.expand.weight", expandedNames);
        Assert.Contains("expanded.collapse.weight", expandedNames);
        Assert.DoesNotContain("conv.weight", expandedNames);
    }

    [Fact]
    public void AnExpandedNetwork_CostsWhatItServes_AndOnlyFusedCellsExpand()
    {
        var task = RestorationTask.Denoise(25, 3);
        var space = new SearchSpace(task, 3, 1, 8, new[] { 1.0, 1.5 }, 8, pixelUnshuffle: 2, form: CellForm.Fused, candidates: OperationSet.Parse("conv_3x3,dil_conv_3x3,none"));
        var genotype = RandomGenotype.Sample(space, seed: 4);
        using var plain = TorchRuntime.Seeded(1, () => new DerivedNetwork(genotype));
        using var expanded = TorchRuntime.Seeded(1, () => new DerivedNetwork(genotype, convExpansion: 4));
        Assert.NotEmpty(expanded.modules().OfType<CollapsibleConv>());
        Assert.True(expanded.parameters().Sum(p => p.numel()) > 2 * plain.parameters().Sum(p => p.numel()), "the expansion trains more weights");
        Assert.Equal(NetworkCost.Of(plain, task), NetworkCost.Of(expanded, task));
        Assert.Contains("convolutions trained ×4 expanded", expanded.Describe());
        Assert.DoesNotContain("expanded", plain.Describe());
        // fused cells of separable convolutions and skips have no dense k×k convolution to expand
        var separable = new SearchSpace(task, 3, 1, 8, new[] { 1.0 }, 8, pixelUnshuffle: 2, form: CellForm.Fused, candidates: OperationSet.Parse("sep_conv_3x3,skip_connect"));
        using var nothingExpanded = TorchRuntime.Seeded(1, () => new DerivedNetwork(RandomGenotype.Sample(separable, seed: 4), convExpansion: 4));
        Assert.Empty(nothingExpanded.modules().OfType<CollapsibleConv>());
        Assert.DoesNotContain("expanded", nothingExpanded.Describe());

        var paper = new SearchSpace(task, 3, 1, 8, new[] { 1.0 }, 8);
        var error = Assert.Throws<ArgumentException>(() => OperationTable.Create(paper.Operation(OperationNames.Conv3x3), 4, affine: true, CellForm.Paper, convExpansion: 2));
        Assert.Contains("fused cells only", error.Message);
    }
}
