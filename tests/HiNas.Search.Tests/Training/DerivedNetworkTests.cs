using HiNas.Imaging.Tasks;
using HiNas.Search.Baselines;
using HiNas.Search.Networks;
using HiNas.Search.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using HiNas.Nas.Genotypes;
using HiNas.Nas.Settings;
using HiNas.Nas.Space;

namespace HiNas.Search.Tests.Training;

public class DerivedNetworkTests
{
    public DerivedNetworkTests() => TorchRuntime.EnsureInitialized();

    /// <summary>
    /// One layer, B = 2, F = 4 at width level 1 (factor 1.5 → C = 6), stem 8 channels, gray denoising.
    /// Cell: n0 = conv_3x3(s0) + skip(s1); n1 = sep_conv_3x3(n0) + dil_conv_5x5(s0), the dilated one dense (the
    /// official table) or separable. The light head's 3×3 convolution is dense or separable; with the decoder it is
    /// replaced by the official decoder. The parameter count is worked out from the layer shapes below.
    /// </summary>
    [Theory]
    [InlineData(ConvStyle.Dense, DerivedHead.Light, ConvStyle.Dense)]
    [InlineData(ConvStyle.Separable, DerivedHead.Light, ConvStyle.Dense)]
    [InlineData(ConvStyle.Dense, DerivedHead.Light, ConvStyle.Separable)]
    [InlineData(ConvStyle.Dense, DerivedHead.Decoder, ConvStyle.Dense)]
    public void ParameterCountMatchesTheLayerShapes(ConvStyle dilated, DerivedHead headKind, ConvStyle headConv)
    {
        var cell = new CellGenotype(new[]
        {
            new CellEdge(OperationNames.Conv3x3, 0), new CellEdge(OperationNames.Skip, 1),
            new CellEdge(OperationNames.SepConv3x3, 2), new CellEdge(OperationNames.DilConv5x5, 0),
        });
        var genotype = new Genotype(new SearchSpace(RestorationTask.Denoise(25, 1), 1, 2, 4, SearchSpace.DefaultWidthFactors, 8, dilated, headConv: headConv), new[] { cell }, new[] { 1 });
        using var net = TorchRuntime.Seeded(1, () => new DerivedNetwork(genotype, headKind));

        const int c0 = 4, c = 6, b = 2, stem = 8;
        long bn(long ch) => 2 * ch; // affine BatchNorm: weight + bias
        var stemParams = 1 * stem * 9 + bn(stem) + stem * (b * c0) * 9 + stem * c0 * 9;
        var pre0 = (b * c0) * c + bn(c);           // 1×1 from the stem's s0 (B·C0 channels) to C
        var pre1 = c0 * c + bn(c);                 // 1×1 from the stem's s1 (C0 channels) to C
        var conv3 = c * c * 9 + bn(c);
        var sepUnit = c * 9 + c * c + bn(c);       // depthwise 3×3 + pointwise + BN
        var sep3 = 2 * sepUnit;
        var dil5 = dilated == ConvStyle.Dense
            ? c * c * 25 + bn(c)                   // dense 5×5, dilation 2
            : c * 25 + c * c + bn(c);              // depthwise 5×5, dilation 2, + pointwise
        var head = headKind == DerivedHead.Light
            ? headConv == ConvStyle.Dense
                ? (b * c) * 1 * 9 + 1              // 3×3 conv to 1 channel with bias
                : (b * c) * 9 + (b * c) * 1 + 1    // depthwise 3×3 without bias, 1×1 to 1 channel with bias
            : (b * c) * 128 + bn(128)              // last features → 128 (1×1 + BN)
              + (b * c0) * 48 + bn(48)             // the stem's s0 → 48
              + 176 * 9 + bn(176) + 176 * 128 + bn(128)   // separable 3×3, 176 → 128
              + 128 * 9 + bn(128) + 128 * 128 + bn(128)   // separable 3×3, 128 → 128
              + 128 * 9 + 1;                       // 3×3 conv to 1 channel with bias
        var expected = stemParams + pre0 + pre1 + conv3 + sep3 + dil5 + head;

        Assert.Equal(expected, NetworkCost.Of(net, genotype.Task).Parameters);
        Assert.Equal(expected, net.parameters().Sum(p => p.numel()));
    }

    public static TheoryData<string, int, int> Tasks => new()
    {
        { "denoise", 1, 1 }, { "denoise", 3, 1 }, { "sr", 3, 2 }, { "sr", 3, 3 }, { "sr", 3, 4 },
    };

    [Theory]
    [MemberData(nameof(Tasks))]
    public void OutputShapesFollowTheTask(string kind, int channels, int scale)
    {
        var task = kind == "denoise" ? RestorationTask.Denoise(25, channels) : RestorationTask.SuperResolution(scale, channels);
        var genotype = RandomGenotype.Sample(new SearchSpace(task, 3, 3, 4, SearchSpace.DefaultWidthFactors, 8), seed: 5);
        var networks = new List<nn.Module<Tensor, Tensor>>
        {
            TorchRuntime.Seeded(1, () => new DerivedNetwork(genotype)),
            TorchRuntime.Seeded(1, () => new DerivedNetwork(genotype.Widened(2), DerivedHead.Decoder)),
            // the frame-time space: odd sides are padded to even ones inside and the output cropped back
            TorchRuntime.Seeded(1, () => new DerivedNetwork(RandomGenotype.Sample(new SearchSpace(task, 3, 3, 4, SearchSpace.DefaultWidthFactors, 8, pixelUnshuffle: 2), seed: 5))),
            TorchRuntime.Seeded(1, () => new DerivedNetwork(RandomGenotype.Sample(new SearchSpace(task, 2, 3, 4, SearchSpace.DefaultWidthFactors, 8, pixelUnshuffle: 4), seed: 6), DerivedHead.Decoder)),
        };
        if (kind == "denoise")
        {
            networks.Add(TorchRuntime.Seeded(1, () => new DnCnn(task, 4, 8)));
            networks.Add(TorchRuntime.Seeded(1, () => new DnCnn(task, 4, 8, pixelUnshuffle: 2))); // FFDNet: odd sides padded inside
        }
        else
        {
            networks.Add(TorchRuntime.Seeded(1, () => new Espcn(task, 3, 8)));
            networks.Add(TorchRuntime.Seeded(1, () => new Fsrcnn(task, 2, 8, 4)));
        }
        foreach (var net in networks)
        {
            using var scope = torch.NewDisposeScope();
            var y = net.call(torch.rand(2, channels, 13, 19));
            Assert.Equal(new long[] { 2, channels, 13 * scale, 19 * scale }, y.shape);
            net.Dispose();
        }
    }

    [Fact]
    public void RandomGenotypesAreValidDeterministicAndVaried()
    {
        var task = RestorationTask.Denoise(25, 1);
        var a = RandomGenotype.Sample(new SearchSpace(task, 4, 4, 8, SearchSpace.DefaultWidthFactors, 16), seed: 1);
        Assert.Equal(a, RandomGenotype.Sample(new SearchSpace(task, 4, 4, 8, SearchSpace.DefaultWidthFactors, 16), seed: 1));
        Assert.NotEqual(a, RandomGenotype.Sample(new SearchSpace(task, 4, 4, 8, SearchSpace.DefaultWidthFactors, 16), seed: 2));
        var many = Enumerable.Range(0, 40).Select(s => RandomGenotype.Sample(new SearchSpace(task, 3, 3, 8, SearchSpace.DefaultWidthFactors, 16), (ulong)s)).ToArray();
        var ops = many.SelectMany(g => g.Cells.SelectMany(c => c.Edges.Select(e => e.Op))).Distinct().ToArray();
        Assert.Equal(OperationNames.All.Count - 1, ops.Length); // every op but none appears
        Assert.Contains(many, g => g.WidthPath.Contains(2));
        Assert.All(many, g => Assert.All(g.Cells.SelectMany(c => Enumerable.Range(0, c.Blocks).Select(c.Node)), n => Assert.NotEqual(n.First.Input, n.Second.Input)));
    }

    [Fact]
    public void AFrameTimeNetwork_UnshufflesIntoItsStem_ShufflesOutOfItsHead_AndCostsAQuarterOfThePixels()
    {
        var task = RestorationTask.SuperResolution(2, 3);
        var cell = new CellGenotype(new[] { new CellEdge(OperationNames.Conv3x3, 0), new CellEdge(OperationNames.Skip, 1) });
        var genotype = new Genotype(new SearchSpace(task, 1, 1, 4, SearchSpace.DefaultWidthFactors, 8, pixelUnshuffle: 2), new[] { cell }, new[] { 0 });
        using var net = TorchRuntime.Seeded(1, () => new DerivedNetwork(genotype));
        const int c = 4, stem = 8;
        long bn(long ch) => 2 * ch;
        // stem: 3×3 from 3·2² channels, BN, then 1×1 (not 3×3) projections to s0 (B·C = 4) and s1 (C = 4)
        long stemConvs = 12 * stem * 9 + stem * c + stem * c;
        long projections = c * c + c * c, conv3 = c * c * 9;
        long head = c * (3 * 4 * 4) * 9;            // 3×3 to 3·(2·2)² channels, then PixelShuffle(4)
        Assert.Equal(stemConvs + bn(stem) + projections + 2 * bn(c) + conv3 + bn(c) + head + 3 * 16,
            net.parameters().Sum(p => p.numel()));
        // every convolution runs at a quarter of the LR pixels: per HR pixel, divide by (2·2)²
        Assert.Equal(2.0 * (stemConvs + projections + conv3 + head) / 16 * 1e6, NetworkCost.Of(net, task).FlopsPerMegapixel, 3);
        Assert.Equal(2, ((IRestorationNetwork)net).PixelUnshuffle);
    }

    /// <summary>
    /// Fused cells, B = 1, widths 4/8 (factors 1, 2 of F 4), path [0, 0, 1]: layer 1 reads the stem's s0 and s1 (4
    /// channels each) at width 0 and layer 2 the stem's s1 and layer 1's output (4 each): no projection; layer 3 (8
    /// channels) projects both its inputs. Operations are conv → BN without activation (the skip scaled per channel), the
    /// node a ReLU of the sum, and the head convolves the last node without another activation.
    /// </summary>
    [Fact]
    public void FusedCells_ProjectOnlyWhereTheChannelsChange_AndActivateEachNodeOnce()
    {
        var task = RestorationTask.Denoise(25, 1);
        var cell = new CellGenotype(new[] { new CellEdge(OperationNames.Conv3x3, 0), new CellEdge(OperationNames.Skip, 1) });
        var space = new SearchSpace(task, 3, 1, 4, new[] { 1.0, 2.0 }, 8, pixelUnshuffle: 2, form: CellForm.Fused);
        var genotype = new Genotype(space, new[] { cell, cell, cell }, new[] { 0, 0, 1 });
        using var net = TorchRuntime.Seeded(1, () => new DerivedNetwork(genotype));
        const int stem = 8;
        long bn(long ch) => 2 * ch;
        long projections = stem * 4 + stem * 4;
        long stemParams = 4 * stem * 9 + stem + projections; // a bias, no BatchNorm
        long layers = (4 * 4 * 9 + bn(4)) * 2 + (4 * 8 + bn(8)) * 2 + 8 * 8 * 9 + bn(8);
        long skips = 4 + 4 + 8; // the fused skip's factor per channel
        long head = 8 * 4 * 9 + 4;
        Assert.Equal(stemParams + layers + skips + head, NetworkCost.Of(net, task).Parameters);
        long branches = 2 * (4 * 4 + bn(4)) + 8 * 8 + bn(8); // each 3×3's 1×1 branch, folded at export
        Assert.Equal(stemParams + layers + skips + head + branches, net.parameters().Sum(p => p.numel()));
        Assert.Contains("fused cells", net.Describe());

        // the same network in the paper's form projects all six inputs, each after a LeakyReLU; its stem is BatchNorm'd
        using var paper = TorchRuntime.Seeded(1, () => new DerivedNetwork(new Genotype(new SearchSpace(task, 3, 1, 4, new[] { 1.0, 2.0 }, 8, pixelUnshuffle: 2), genotype.Cells, genotype.WidthPath)));
        Assert.Equal(4 * stem * 9 + bn(stem) + projections + layers + head + 4 * (4 * 4 + bn(4)), paper.parameters().Sum(p => p.numel()));

        // training: the in-place ReLU of each node keeps autograd whole, and every weight gets a gradient
        net.train();
        using var x = torch.rand(2, 1, 16, 16, generator: new Generator(3));
        using var y = net.call(x);
        using var loss = y.square().mean();
        loss.backward();
        Assert.All(net.named_parameters(), p =>
        {
            Assert.NotNull(p.parameter.grad);
            Assert.True(p.parameter.grad!.isfinite().all().item<bool>(), p.name);
        });
    }

    /// <summary>
    /// A fused stem with the first cell's channels is one convolution (with a bias, then ReLU): neither of its
    /// projections; the paper's form keeps both, after a BatchNorm and a LeakyReLU. Layer 1 reads the stem's output as
    /// its s0 and s1.
    /// </summary>
    [Fact]
    public void AFusedStemAtTheCellsWidth_IsOneConvolution()
    {
        var task = RestorationTask.Denoise(25, 1);
        var cell = new CellGenotype(new[] { new CellEdge(OperationNames.Conv3x3, 0), new CellEdge(OperationNames.Conv3x3, 1) });
        Genotype In(CellForm form) => new(new SearchSpace(task, 2, 1, 4, new[] { 1.0 }, 4, pixelUnshuffle: 2, form: form), new[] { cell, cell }, new[] { 0, 0 });
        using var fused = TorchRuntime.Seeded(1, () => new DerivedNetwork(In(CellForm.Fused)));
        using var paper = TorchRuntime.Seeded(1, () => new DerivedNetwork(In(CellForm.Paper)));
        long bn(long ch) => 2 * ch;
        long stem = 4 * 4 * 9 + 4;
        long cells = 2 * 2 * (4 * 4 * 9 + bn(4));
        long head = 4 * 4 * 9 + 4;
        Assert.Equal(stem + cells + head, NetworkCost.Of(fused, task).Parameters);
        Assert.DoesNotContain(fused.named_modules(), m => m.module is TorchSharp.Modules.LeakyReLU);
        Assert.Equal(4 * 4 * 9 + bn(4) + 2 * 4 * 4 + cells + 4 * (4 * 4 + bn(4)) + head, NetworkCost.Of(paper, task).Parameters);

        using var x = torch.rand(2, 1, 16, 16, generator: new Generator(5));
        using var y = fused.call(x);
        using var loss = y.square().mean();
        loss.backward();
        Assert.All(fused.named_parameters(), p => Assert.True(p.parameter.grad is not null && p.parameter.grad.isfinite().all().item<bool>(), p.name));
    }

    /// <summary>
    /// Only the layers the output needs are built (<see cref="LayerLiveness"/>): no modules for a dead layer nor for the
    /// projection of an input a cell does not read, so neither trains, runs nor counts; the others keep their layer's
    /// index in their names.
    /// </summary>
    [Fact]
    public void ADeadLayer_AndAnUnreadInputsProjection_AreNotBuilt()
    {
        var space = new SearchSpace(RestorationTask.Denoise(25, 1), 4, 1, 4, SearchSpace.DefaultWidthFactors, 8, candidates: OperationSet.Parse("conv_3x3,dil_conv_3x3,none"));
        CellGenotype Cell(string previous, string beforePrevious) => new(new[] { new CellEdge(previous, 0), new CellEdge(beforePrevious, 1) });
        var both = Cell(OperationNames.Conv3x3, OperationNames.DilConv3x3);
        var fromS0 = Cell(OperationNames.Conv3x3, OperationNames.None);
        var fromS1 = Cell(OperationNames.None, OperationNames.Conv3x3);
        // 0-based: layer 3 reads layer 1 (s1), so layer 2 is dead; layer 1 reads layer 0 (s0)
        var genotype = new Genotype(space, new[] { both, fromS0, both, fromS1 }, new[] { 0, 1, 1, 0 });
        using var net = TorchRuntime.Seeded(1, () => new DerivedNetwork(genotype));
        var names = net.named_parameters().Select(p => p.name).ToArray();
        foreach (var built in new[] { "cells.0.", "cells.1.", "cells.3.", "preprocess0.0.", "preprocess1.0.", "preprocess0.1.", "preprocess1.3." })
            Assert.Contains(names, n => n.StartsWith(built));
        foreach (var absent in new[] { "cells.2.", "preprocess0.2.", "preprocess1.2.", "preprocess1.1.", "preprocess0.3." })
            Assert.DoesNotContain(names, n => n.StartsWith(absent));
        Assert.Contains("layer 3 dead (not run)", net.Describe());

        // the same network with layer 2 live costs its cell and projections more
        var allLive = genotype.WithCells(new[] { both, fromS0, both, both });
        using var whole = TorchRuntime.Seeded(1, () => new DerivedNetwork(allLive));
        var c = space.NodeChannels(1);
        long bn(long ch) => 2 * ch;
        // its 1×1 projections (paper cells) of layer 1 (C channels) and layer 0 (C₀), conv 3×3, dilated 3×3
        var layer2 = c * c + bn(c) + space.NodeChannels(0) * c + bn(c) + c * c * 9 + bn(c) + c * c * 9 + bn(c);
        var layer3Extra = (c * space.NodeChannels(0) + bn(space.NodeChannels(0))) + space.NodeChannels(0) * space.NodeChannels(0) * 9 + bn(space.NodeChannels(0)); // its s0 projection and dilated conv
        Assert.Equal(NetworkCost.Of(net, genotype.Task).Parameters + layer2 + layer3Extra, NetworkCost.Of(whole, genotype.Task).Parameters);
        using var x = torch.rand(2, 1, 16, 16);
        using (torch.no_grad()) Assert.Equal(x.shape, net.call(x).shape);
    }

    [Fact]
    public void FlopsCountEveryConvolutionPerOutputPixel()
    {
        var task = RestorationTask.SuperResolution(2, 1);
        using var net = TorchRuntime.Seeded(1, () => new Espcn(task, 2, 4));
        // conv 5×5 1→4 (100 MACs/px) and conv 3×3 4→4 (144) at LR; per HR pixel divide by 4; FLOPs = 2·MACs.
        Assert.Equal(2.0 * (100 + 144) / 4 * 1e6, NetworkCost.Of(net, task).FlopsPerMegapixel, 3);
    }
}
