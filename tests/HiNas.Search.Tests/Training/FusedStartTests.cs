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

    /// <summary>
    /// A fused cell's skip starts at 0, so a network of convolutions and skips starts as the plain stack of its
    /// convolutions (the same network with none for each skip), and its first step moves the skips' factors.
    /// </summary>
    [Fact]
    public void AFusedSkipStartsAtZero_SoTheNetworkStartsAsItsPlainStack_AndLearnsFromThere()
    {
        var task = HiNas.Imaging.Tasks.RestorationTask.Denoise(25, 3);
        var space = new SearchSpace(task, 3, 1, 8, new[] { 1.0 }, 8, pixelUnshuffle: 2, form: CellForm.Fused, candidates: OperationSet.Parse("conv_3x3,skip_connect,none"));
        Assert.Equal(OperationKind.ScaledSkip, space.Operation(OperationNames.Skip).Kind);
        Assert.Equal(OperationKind.Skip, new SearchSpace(task, 3, 1, 8, new[] { 1.0 }, 8).Operation(OperationNames.Skip).Kind); // the paper's skip is the input itself
        HiNas.Nas.Genotypes.Genotype Network(string second)
        {
            var cell = new HiNas.Nas.Genotypes.CellGenotype(new[] { new HiNas.Nas.Genotypes.CellEdge(OperationNames.Conv3x3, 0), new HiNas.Nas.Genotypes.CellEdge(second, 1) });
            return new HiNas.Nas.Genotypes.Genotype(space, new[] { cell, cell, cell }, new[] { 0, 0, 0 });
        }
        using var residual = TorchRuntime.Seeded(5, () => new HiNas.Search.Networks.DerivedNetwork(Network(OperationNames.Skip)));
        using var plain = TorchRuntime.Seeded(5, () => new HiNas.Search.Networks.DerivedNetwork(Network(OperationNames.None)));
        foreach (var net in new[] { residual, plain }) using (no_grad()) net.PredictionLayer.weight!.fill_(0.01f); // not the zero start
        using var x = rand(2, 3, 16, 16);
        using var y = residual.call(x);
        Assert.True(y.allclose(plain.call(x), rtol: 1e-5, atol: 1e-6), "the skips add something at the start");

        y.square().mean().backward();
        var factors = residual.modules().OfType<ScaledIdentity>().ToArray();
        Assert.Equal(3, factors.Length);
        Assert.All(factors, f => Assert.True(f.Factors.grad is { } g && g.abs().sum().item<float>() > 0, "a skip's factors get no gradient"));
    }

    /// <summary>
    /// A node of skips alone starts passing its state (factors at 1): at 0 it would be ReLU(0), with no output and no
    /// gradient, and every layer after it that reads only it would never learn.
    /// </summary>
    [Fact]
    public void ANodeOfSkipsAloneStartsPassingItsState_SoEveryWeightLearns()
    {
        var task = HiNas.Imaging.Tasks.RestorationTask.Denoise(25, 3);
        var space = new SearchSpace(task, 3, 1, 8, new[] { 1.0 }, 8, pixelUnshuffle: 2, form: CellForm.Fused, candidates: OperationSet.Parse("conv_3x3,skip_connect,none"));
        HiNas.Nas.Genotypes.CellGenotype Cell(string a, string b) => new(new[] { new HiNas.Nas.Genotypes.CellEdge(a, 0), new HiNas.Nas.Genotypes.CellEdge(b, 1) });
        var genotype = new HiNas.Nas.Genotypes.Genotype(space,
            new[] { Cell(OperationNames.Conv3x3, OperationNames.None), Cell(OperationNames.Skip, OperationNames.None), Cell(OperationNames.Conv3x3, OperationNames.Skip) }, new[] { 0, 0, 0 });
        using var net = TorchRuntime.Seeded(5, () => new HiNas.Search.Networks.DerivedNetwork(genotype));
        var skips = net.modules().OfType<ScaledIdentity>().ToArray();
        Assert.Equal(new[] { 1f, 0f }, skips.Select(s => s.Factors.mean().item<float>()));

        using (no_grad()) net.PredictionLayer.weight!.fill_(0.01f); // not the zero start
        using var x = rand(2, 3, 16, 16);
        net.call(x).square().mean().backward();
        // every weight but the 1×1 branches' (whose BatchNorm's γ starts at 0: they learn once it has moved)
        Assert.All(net.named_parameters().Where(p => !p.name.Contains(".pointwise.conv.")),
            p => Assert.True(p.parameter.grad is { } g && g.abs().sum().item<float>() > 0, $"{p.name} gets no gradient"));
    }

    /// <summary>
    /// The fused stem is a plain stack's first layer, a convolution without BatchNorm: in training each image's
    /// features are its own, not normalised by the batch's statistics (which cost the fused space 0.2–0.3 dB,
    /// <see cref="HiNas.Search.Networks.Stem"/>); the paper's stem keeps its BatchNorm.
    /// </summary>
    [Theory]
    [InlineData(CellForm.Fused, true)]
    [InlineData(CellForm.Paper, false)]
    public void AFusedStem_InTraining_GivesEachImageItsOwnFeatures(CellForm form, bool independent)
    {
        var space = new SearchSpace(HiNas.Imaging.Tasks.RestorationTask.Denoise(25, 3), 3, 1, 8, new[] { 1.0 }, 8, pixelUnshuffle: 2, form: form);
        using var stem = TorchRuntime.Seeded(5, () => new HiNas.Search.Networks.Stem(3, space));
        stem.train();
        using var batch = rand(4, 3, 16, 16);
        using var first = batch.narrow(0, 0, 1);
        var (alone, _) = stem.call(first);
        var (together, _) = stem.call(batch);
        using (alone)
        using (together)
        using (var ofFirst = together.narrow(0, 0, 1))
            Assert.Equal(independent, alone.allclose(ofFirst, rtol: 1e-5, atol: 1e-6));
        Assert.Equal(form == CellForm.Paper, stem.modules().OfType<ScalarFreeBatchNorm2d>().Any());
    }
}
