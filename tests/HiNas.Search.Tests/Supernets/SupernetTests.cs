using HiNas.Imaging.Tasks;
using HiNas.Search.Runtime;
using HiNas.Search.Supernets;
using TorchSharp;
using static TorchSharp.torch;
using HiNas.Nas.Settings;
using HiNas.Nas.Space;

namespace HiNas.Search.Tests.Supernets;

public class SupernetTests
{
    public SupernetTests() => TorchRuntime.EnsureInitialized();

    internal static SupernetConfig Tiny(RestorationTask task, bool tie = false, bool sharing = true, int layers = 3) => new()
    {
        Task = task, Layers = layers, Blocks = 2, Filters = 4, StemChannels = 8, TieCells = tie, CellSharing = sharing,
    };

    public static TheoryData<string, int, int> Tasks => new()
    {
        { "denoise", 1, 1 }, { "denoise", 3, 1 }, { "sr", 3, 2 }, { "sr", 3, 3 }, { "sr", 1, 4 },
    };

    [Theory]
    [MemberData(nameof(Tasks))]
    public void OutputShapeFollowsTheTaskOnOddSizes(string kind, int channels, int scale)
    {
        var task = kind == "denoise" ? RestorationTask.Denoise(25, channels) : RestorationTask.SuperResolution(scale, channels);
        foreach (var sharing in new[] { true, false })
        {
            using var scope = torch.NewDisposeScope();
            using var net = TorchRuntime.Seeded(1, () => new Supernet(Tiny(task, sharing: sharing)));
            var x = torch.rand(2, channels, 17, 23);
            var y = net.call(x);
            Assert.Equal(new long[] { 2, channels, 17 * scale, 23 * scale }, y.shape);
            Assert.False(y.isnan().any().item<bool>());
        }
    }

    /// <summary>A space whose edges compute as <paramref name="dilated"/> and <paramref name="form"/> say, offering <paramref name="operations"/> (default all).</summary>
    private static SearchSpace EdgeSpace(ConvStyle dilated, CellForm form, string operations = "all") =>
        new(RestorationTask.Denoise(25, 1), 1, 1, 4, new[] { 1.0 }, 4, dilated, form: form, candidates: OperationSet.Parse(operations));

    [Fact]
    public void SkipDropout_DropsTheSkipConnectionWhileTraining_Reproducibly_AndNeverInEval()
    {
        using var scope = torch.NewDisposeScope();
        using var op = new HiNas.Search.Cells.MixedOp(EdgeSpace(ConvStyle.Dense, CellForm.Paper), 4);
        using var generator = new Generator(5);
        var skipOnly = torch.zeros(OperationNames.Count);
        skipOnly[OperationNames.SkipIndex] = 1;
        var x = torch.rand(2, 4, 16, 16) + 0.5; // no zeros of its own
        op.SkipDropout = 0.5;
        op.DropoutGenerator = generator;

        op.train();
        var y = op.call(x, skipOnly);
        var dropped = y.eq(0).to(ScalarType.Float32).mean().item<float>();
        Assert.InRange(dropped, 0.4, 0.6);
        Assert.True(torch.where(y.ne(0), y - 2 * x, torch.zeros_like(y)).abs().max().item<float>() < 1e-5, "kept elements are scaled by 1 / (1 − p)");
        generator.manual_seed(5);
        Assert.True(op.call(x, skipOnly).eq(y).all().item<bool>(), "the same seed draws the same mask");

        op.eval();
        Assert.True(torch.allclose(op.call(x, skipOnly), x));
        op.train();
        op.SkipDropout = 0;
        Assert.True(torch.allclose(op.call(x, skipOnly), x));
    }

    [Fact]
    public void OperationDropout_DropsWholeOutputsPerSampleWhileTraining_AndNeverInEval()
    {
        using var scope = torch.NewDisposeScope();
        using var op = new HiNas.Search.Cells.MixedOp(EdgeSpace(ConvStyle.Dense, CellForm.Paper), 4);
        using var generator = new Generator(9);
        var skipOnly = torch.zeros(OperationNames.Count);
        skipOnly[OperationNames.SkipIndex] = 1;
        var x = torch.rand(64, 4, 8, 8) + 0.5; // no zeros of its own
        op.OperationDropout = 0.25;
        op.DropoutGenerator = generator;

        op.train();
        var y = op.call(x, skipOnly);
        var zeroPerSample = y.eq(0).to(ScalarType.Float32).mean(new long[] { 1, 2, 3 });
        Assert.True(zeroPerSample.eq(0).logical_or(zeroPerSample.eq(1)).all().item<bool>(), "a sample's output is dropped whole or kept whole");
        Assert.InRange(zeroPerSample.mean().item<float>(), 0.1, 0.4);
        Assert.True(torch.where(y.ne(0), y - x / 0.75, torch.zeros_like(y)).abs().max().item<float>() < 1e-5, "kept outputs are scaled by 1 / (1 − p)");

        op.eval();
        Assert.True(torch.allclose(op.call(x, skipOnly), x));
    }

    /// <summary>
    /// The mixed op's shared LeakyReLU and in-place weighted sum compute what each operation run on its own, weighted
    /// and summed, computes: the same output and the same gradients for the input, α's weights and the parameters.
    /// </summary>
    [Theory]
    [InlineData(ConvStyle.Dense, CellForm.Paper)]
    [InlineData(ConvStyle.Separable, CellForm.Paper)]
    [InlineData(ConvStyle.Dense, CellForm.Fused)]
    [InlineData(ConvStyle.Separable, CellForm.Fused)]
    public void MixedOp_WithItsSharedActivationAndInPlaceSum_EqualsEachOperationRunOnItsOwn(ConvStyle dilated, CellForm form)
    {
        using var scope = torch.NewDisposeScope();
        using var op = TorchRuntime.Seeded(3, () => new HiNas.Search.Cells.MixedOp(EdgeSpace(dilated, form), 6));
        op.train();
        using var generator = new Generator(11);
        var x0 = torch.randn(new long[] { 2, 6, 16, 16 }, generator: generator);
        var w0 = nn.functional.softmax(torch.randn(new long[] { OperationNames.Count }, generator: generator), 0);
        var upstream = torch.randn(new long[] { 2, 6, 16, 16 }, generator: generator);
        var operations = op.children().OfType<TorchSharp.Modules.ModuleList<nn.Module<Tensor, Tensor>>>().Single().ToArray();

        (Tensor Output, Tensor InputGrad, Tensor WeightGrad, Tensor[] ParameterGrads) Run(Func<Tensor, Tensor, Tensor> forward)
        {
            op.zero_grad();
            var x = x0.clone().requires_grad_(true);
            var w = w0.clone().requires_grad_(true);
            var y = forward(x, w);
            (y * upstream).sum().backward();
            // the fused skip's factors for a node without a convolution run only in a sub-network (MixedOp.ForwardOne)
            return (y.detach(), x.grad!.clone(), w.grad!.clone(), op.named_parameters().Where(p => !p.name.StartsWith("skipAlone.")).Select(p => p.parameter.grad!.clone()).ToArray());
        }

        var ours = Run((x, w) => op.call(x, w));
        var reference = Run((x, w) =>
        {
            var sum = torch.zeros_like(x);
            var k = 0;
            for (var i = 0; i < OperationNames.Count; i++)
                if (i != OperationNames.NoneIndex) sum = sum + operations[k++].call(x) * w[i];
            return sum;
        });

        Assert.True(torch.allclose(ours.Output, reference.Output, rtol: 1e-5, atol: 1e-6), "outputs differ");
        Assert.True(torch.allclose(ours.InputGrad, reference.InputGrad, rtol: 1e-5, atol: 1e-6), "input gradients differ");
        Assert.True(torch.allclose(ours.WeightGrad, reference.WeightGrad, rtol: 1e-5, atol: 1e-6), "α-weight gradients differ");
        Assert.Equal(reference.ParameterGrads.Length, ours.ParameterGrads.Length);
        for (var i = 0; i < ours.ParameterGrads.Length; i++)
            Assert.True(torch.allclose(ours.ParameterGrads[i], reference.ParameterGrads[i], rtol: 1e-5, atol: 1e-6), $"parameter {i}'s gradients differ");
    }

    [Fact]
    public void AlphaIsOnePerLayerWithLwasAndSharedWhenTied()
    {
        using var lwas = TorchRuntime.Seeded(1, () => new Supernet(Tiny(RestorationTask.Denoise(25, 1))));
        using var tied = TorchRuntime.Seeded(1, () => new Supernet(Tiny(RestorationTask.Denoise(25, 1), tie: true)));
        Assert.Equal(new long[] { 3, CellTopology.EdgeCount(2), OperationNames.Count }, lwas.Alpha.shape);
        Assert.Equal(new long[] { 1, CellTopology.EdgeCount(2), OperationNames.Count }, tied.Alpha.shape);
        Assert.Equal(new long[] { lwas.Lattice.SourceCount, 3 }, lwas.Beta.shape);
    }

    [Fact]
    public void TiedCellsDeriveTheSameCellInEveryLayer()
    {
        using var tied = TorchRuntime.Seeded(1, () => new Supernet(Tiny(RestorationTask.Denoise(25, 1), tie: true)));
        var alpha = tied.AlphaSnapshot();
        var rng = new Random(3);
        foreach (var edge in alpha[0])
            for (var o = 0; o < edge.Length; o++) edge[o] = rng.NextDouble() * 4;
        tied.SetArchitecture(alpha, tied.BetaSnapshot());

        var genotype = tied.Derive();

        Assert.Equal(3, genotype.Cells.Count);
        Assert.All(genotype.Cells, c => Assert.Equal(genotype.Cells[0], c));

        using var lwas = TorchRuntime.Seeded(1, () => new Supernet(Tiny(RestorationTask.Denoise(25, 1))));
        var perLayer = lwas.AlphaSnapshot();
        for (var l = 0; l < perLayer.Length; l++)
            foreach (var edge in perLayer[l])
                edge[l % 5] = 5; // a different favourite op per layer
        lwas.SetArchitecture(perLayer, lwas.BetaSnapshot());
        Assert.NotEqual(lwas.Derive().Cells[0], lwas.Derive().Cells[1]);
    }

    [Fact]
    public void CraftedArchitectureIsWhatTheSupernetDerives()
    {
        using var net = TorchRuntime.Seeded(1, () => new Supernet(Tiny(RestorationTask.Denoise(25, 1), layers: 2)));
        var alpha = net.AlphaSnapshot();
        foreach (var layer in alpha)
            foreach (var edge in layer)
                edge[OperationNames.IndexOf(OperationNames.DilConv3x3)] = 3;
        var beta = net.BetaSnapshot();
        beta[net.Lattice.SourceIndex(0, 0)] = new[] { 0.0, 0, 4 };
        beta[net.Lattice.SourceIndex(1, 1)] = new[] { 0.0, 4, 0 };
        net.SetArchitecture(alpha, beta);

        var genotype = net.Derive();

        Assert.Equal(new[] { 1, 1 }, genotype.WidthPath);
        Assert.All(genotype.Cells.SelectMany(c => c.Edges), e => Assert.Equal(OperationNames.DilConv3x3, e.Op));
        // Masked moves read back at the masked logit.
        Assert.Equal(WidthLattice.MaskedLogit, net.BetaSnapshot()[0][WidthLattice.Down]);
    }

    /// <summary>
    /// Fused cells of one node at widths 4 and 8: a router between states of the same channels is the state itself (no
    /// parameters), one between widths a 1×1 convolution; α and β still receive gradients, and a subnetwork runs alone.
    /// </summary>
    [Fact]
    public void AFusedSupernet_ProjectsOnlyBetweenWidths_AndTrainsAlphaAndBeta()
    {
        using var scope = torch.NewDisposeScope();
        var config = Tiny(RestorationTask.Denoise(25, 3)) with { Blocks = 1, WidthFactors = new[] { 1.0, 2.0 }, PixelUnshuffle = 2, Form = CellForm.Fused };
        using var net = TorchRuntime.Seeded(1, () => new Supernet(config));
        var names = net.named_parameters().Select(p => p.name).ToArray();
        Assert.DoesNotContain(names, n => n.StartsWith("routers.l2_w0_from0.") || n.StartsWith("routers.l1_w0_from0.") || n.StartsWith("preprocess.l1_w0."));
        Assert.Contains(names, n => n.StartsWith("routers.l2_w1_from0."));
        Assert.Contains(names, n => n.StartsWith("preprocess.l1_w1."));

        net.call(torch.rand(2, 3, 16, 16)).square().mean().backward();
        Assert.True(net.Alpha.grad!.abs().sum().item<float>() > 0);
        Assert.True(net.Beta.grad!.abs().sum().item<float>() > 0);

        var cell = new HiNas.Nas.Genotypes.CellGenotype(new[] { new HiNas.Nas.Genotypes.CellEdge(OperationNames.Conv3x3, 0), new HiNas.Nas.Genotypes.CellEdge(OperationNames.Skip, 1) });
        net.SetSubnetwork(new HiNas.Nas.Genotypes.Genotype(config.Space, new[] { cell, cell, cell }, new[] { 1, 1, 1 }));
        Assert.True(net.call(torch.rand(2, 3, 16, 16)).isfinite().all().item<bool>());
    }

    [Fact]
    public void AlphaAndBetaReceiveGradients()
    {
        using var scope = torch.NewDisposeScope();
        using var net = TorchRuntime.Seeded(1, () => new Supernet(Tiny(RestorationTask.SuperResolution(2, 3))));
        net.call(torch.rand(1, 3, 16, 16)).square().mean().backward();
        Assert.True(net.Alpha.grad!.abs().sum().item<float>() > 0);
        Assert.True(net.Beta.grad!.abs().sum().item<float>() > 0);
        Assert.DoesNotContain(net.WeightParameters(), p => ReferenceEquals(p, net.Alpha) || ReferenceEquals(p, net.Beta));
    }

    /// <summary>
    /// A space of dense convolutions and skips: its edges build no other operation, α's other entries are masked out of
    /// the mixture (no weight, no gradient, the masked logit in the snapshot), and the derivation keeps to the set even
    /// when the raw α favours a left-out operation.
    /// </summary>
    [Fact]
    public void ASupernetOfSomeOperations_BuildsMixesAndDerivesOnlyThose()
    {
        using var scope = torch.NewDisposeScope();
        var all = Tiny(RestorationTask.Denoise(25, 3));
        var some = all with { Candidates = OperationSet.Parse("conv_3x3,dil_conv_3x3,skip_connect") };
        using var full = TorchRuntime.Seeded(1, () => new Supernet(all));
        using var net = TorchRuntime.Seeded(1, () => new Supernet(some));
        Assert.True(net.WeightParameters().Sum(p => p.numel()) < full.WeightParameters().Sum(p => p.numel()));
        using (var op = new HiNas.Search.Cells.MixedOp(EdgeSpace(ConvStyle.Dense, CellForm.Paper, "conv_3x3,skip_connect"), 4))
            Assert.Equal(4 * 4 * 9, op.parameters().Sum(p => p.numel())); // the conv 3×3 alone (its search BatchNorm is affine-free): no separable, no dilated

        using (torch.no_grad())
        {
            net.Alpha.zero_();
            net.Alpha[.., .., OperationNames.IndexOf(OperationNames.SepConv3x3)] = 10; // what the set leaves out
            net.Alpha[.., .., OperationNames.IndexOf(OperationNames.DilConv3x3)] = 1;
        }
        net.call(torch.rand(1, 3, 16, 16)).square().mean().backward();
        var grad = net.Alpha.grad!;
        Assert.Equal(0f, grad[.., .., OperationNames.IndexOf(OperationNames.SepConv3x3)].abs().sum().item<float>());
        Assert.True(grad[.., .., OperationNames.IndexOf(OperationNames.Conv3x3)].abs().sum().item<float>() > 0);
        Assert.All(net.AlphaSnapshot().SelectMany(r => r).Select(e => e[OperationNames.IndexOf(OperationNames.SepConv5x5)]), v => Assert.Equal(WidthLattice.MaskedLogit, v));
        var derived = net.Derive();
        Assert.All(derived.Cells.SelectMany(c => c.Edges), e => Assert.Equal(OperationNames.DilConv3x3, e.Op));
        Assert.Equal(some.Candidates, derived.Space.Candidates);
    }

    /// <summary>A 3-layer genotype of the tiny space on <paramref name="path"/>, without skip connections (an identity has no weights to show).</summary>
    private static HiNas.Nas.Genotypes.Genotype TinyGenotype(SupernetConfig config, params int[] path)
    {
        var edges = new[]
        {
            new HiNas.Nas.Genotypes.CellEdge(OperationNames.Conv3x3, 0), new HiNas.Nas.Genotypes.CellEdge(OperationNames.SepConv3x3, 1),
            new HiNas.Nas.Genotypes.CellEdge(OperationNames.DilConv3x3, 0), new HiNas.Nas.Genotypes.CellEdge(OperationNames.SepConv5x5, 2),
        };
        return new HiNas.Nas.Genotypes.Genotype(config.Space, Enumerable.Range(0, config.Layers).Select(_ => new HiNas.Nas.Genotypes.CellGenotype(edges)).ToArray(), path);
    }

    [Fact]
    public void ASubnetwork_RunsItsPathsCellsEdgesAndOperationsOnly()
    {
        using var scope = torch.NewDisposeScope();
        var config = Tiny(RestorationTask.Denoise(25, 1));
        using var net = TorchRuntime.Seeded(1, () => new Supernet(config));
        foreach (var head in net.PredictionLayers) using (torch.no_grad()) head.weight!.normal_(0, 0.1); // not the identity start
        var genotype = TinyGenotype(config, 0, 1, 0);
        var x = torch.rand(2, 1, 16, 16);
        var whole = net.call(x).detach();

        net.SetSubnetwork(genotype);
        Assert.Same(genotype, net.Subnetwork);
        net.zero_grad(set_to_none: true);
        net.call(x).square().mean().backward();

        var withGradient = net.named_parameters().Where(p => p.parameter.grad is { } g && g.abs().sum().item<float>() > 0).Select(p => p.name).ToArray();
        var cellKeys = new[] { "l1_w0", "l2_w1", "l3_w0" };
        var expectedPrefixes = new[] { "stem.", "heads.w0.", "routers.l1_w0_from0.", "routers.l2_w1_from0.", "routers.l3_w0_from1." }
            .Concat(cellKeys.Select(k => $"preprocess.{k}.")).ToArray();
        // in each cell, edges (node 0, s0), (0, s1), (1, s0), (1, node 0), each running its one operation
        var nonNone = OperationNames.All.Where(o => o != OperationNames.None).ToList();
        var chosen = new[] { (0, OperationNames.Conv3x3), (1, OperationNames.SepConv3x3), (2, OperationNames.DilConv3x3), (4, OperationNames.SepConv5x5) };
        expectedPrefixes = expectedPrefixes.Concat(cellKeys.SelectMany(k => chosen.Select(c => $"cells.{k}.edges.{c.Item1}.ops.{nonNone.IndexOf(c.Item2)}."))).ToArray();
        Assert.All(withGradient, name => Assert.Contains(expectedPrefixes, prefix => name.StartsWith(prefix)));
        Assert.All(expectedPrefixes, prefix => Assert.Contains(withGradient, name => name.StartsWith(prefix)));

        net.SetSubnetwork(null);
        Assert.True(net.call(x).detach().allclose(whole), "the whole supernet runs again");
    }

    [Fact]
    public void ASubnetworkWithNoneEdges_RunsEachSuchNodeAsItsOneOperation()
    {
        using var scope = torch.NewDisposeScope();
        var config = Tiny(RestorationTask.Denoise(25, 1)) with { Form = CellForm.Fused, Candidates = OperationSet.Parse("conv_3x3,skip_connect,none") };
        using var net = TorchRuntime.Seeded(1, () => new Supernet(config));
        foreach (var head in net.PredictionLayers) using (torch.no_grad()) head.weight!.normal_(0, 0.1);
        HiNas.Nas.Genotypes.CellEdge E(string op, int input) => new(op, input);
        var cell = new HiNas.Nas.Genotypes.CellGenotype(new[] { E(OperationNames.Conv3x3, 0), E(OperationNames.None, 1), E(OperationNames.None, 0), E(OperationNames.Skip, 2) });
        var genotype = new HiNas.Nas.Genotypes.Genotype(config.Space, new[] { cell, cell, cell }, new[] { 0, 0, 0 });
        var x = torch.rand(2, 1, 16, 16);

        net.SetSubnetwork(genotype);
        net.zero_grad(set_to_none: true);
        var y = net.call(x);
        Assert.True(y.isfinite().all().item<bool>());
        y.square().mean().backward();
        var withGradient = net.named_parameters().Where(p => p.parameter.grad is { } g && g.abs().sum().item<float>() > 0).Select(p => p.name).ToArray();
        // the conv of edge (node 0, s0) learns; the conv of edge (node 0, s1), whose operation is none, does not
        Assert.Contains(withGradient, name => name.StartsWith("cells.l1_w0.edges.0.ops.0."));
        Assert.DoesNotContain(withGradient, name => name.Contains(".edges.1."));
        Assert.DoesNotContain(withGradient, name => name.Contains(".edges.2.") || name.Contains(".edges.3."));
        // node 1 is a skip alone (edge 4: node 1 from node 0): it runs with its edge's own factors for such a node,
        // started at 1 as the derived cell starts them (the edge's factors beside a convolution start at 0: ReLU(0)
        // would pass nothing back)
        Assert.Contains(withGradient, name => name.StartsWith("cells.l1_w0.edges.4.skipAlone."));
        Assert.DoesNotContain(withGradient, name => name.StartsWith("cells.l1_w0.edges.4.ops."));
        Assert.All(net.named_parameters().Where(p => p.name.Contains(".skipAlone.")), p => Assert.Equal(1f, p.parameter.mean().item<float>()));
    }

    /// <summary>
    /// A node of skips alone passes its state in a sub-network as in the derived network, so the layers after it learn
    /// (before, such a node was ReLU(0) in the supernet and everything after it saw zeros).
    /// </summary>
    [Fact]
    public void ASubnetworksNodeOfASkipAlone_PassesItsState_SoTheLayersAfterItLearn()
    {
        using var scope = torch.NewDisposeScope();
        var config = Tiny(RestorationTask.Denoise(25, 1)) with { Blocks = 1, Form = CellForm.Fused, Candidates = OperationSet.Parse("conv_3x3,skip_connect,none") };
        using var net = TorchRuntime.Seeded(1, () => new Supernet(config));
        foreach (var head in net.PredictionLayers) using (torch.no_grad()) head.weight!.normal_(0, 0.1);
        HiNas.Nas.Genotypes.CellGenotype Cell(string previous, string beforePrevious) => new(new[] { new HiNas.Nas.Genotypes.CellEdge(previous, 0), new HiNas.Nas.Genotypes.CellEdge(beforePrevious, 1) });
        var skipAlone = Cell(OperationNames.Skip, OperationNames.None);
        var conv = Cell(OperationNames.Conv3x3, OperationNames.None);
        net.SetSubnetwork(new HiNas.Nas.Genotypes.Genotype(config.Space, Enumerable.Repeat(skipAlone, config.Layers - 1).Append(conv).ToArray(), new int[config.Layers]));
        net.zero_grad(set_to_none: true);
        var x = torch.rand(2, 1, 16, 16);
        net.call(x).square().mean().backward();
        var last = $"cells.l{config.Layers}_w0.edges.0.ops.0.";
        Assert.Contains(net.named_parameters(), p => p.name.StartsWith(last) && p.parameter.grad is { } g && g.abs().sum().item<float>() > 0);
    }

    /// <summary>
    /// A sub-network runs only the layers its output needs (<see cref="HiNas.Nas.Genotypes.LayerLiveness"/>): a dead
    /// layer's operations see no batch (their BatchNorm statistics stay), nor does the router of an unread input.
    /// </summary>
    [Fact]
    public void ASubnetworksDeadLayer_IsNotRun()
    {
        using var scope = torch.NewDisposeScope();
        var config = Tiny(RestorationTask.Denoise(25, 1), layers: 4) with { Blocks = 1, Form = CellForm.Fused, Candidates = OperationSet.Parse("conv_3x3,skip_connect,none") };
        using var net = TorchRuntime.Seeded(1, () => new Supernet(config));
        HiNas.Nas.Genotypes.CellGenotype Cell(string previous, string beforePrevious) => new(new[] { new HiNas.Nas.Genotypes.CellEdge(previous, 0), new HiNas.Nas.Genotypes.CellEdge(beforePrevious, 1) });
        var fromS0 = Cell(OperationNames.Conv3x3, OperationNames.None);
        var fromS1 = Cell(OperationNames.None, OperationNames.Conv3x3);
        // layer 4 reads layer 2 (s1): layer 3 is dead
        var genotype = new HiNas.Nas.Genotypes.Genotype(config.Space, new[] { fromS0, fromS0, fromS0, fromS1 }, new int[4]);
        Assert.Equal(new[] { 2 }, genotype.Liveness.Dead);
        net.SetSubnetwork(genotype);
        net.train();
        Tensor Statistics(string prefix) => torch.cat(net.named_buffers().Where(b => b.name.StartsWith(prefix) && b.name.EndsWith("running_mean")).Select(b => b.buffer.clone()).ToArray());
        var dead = Statistics("cells.l3_w0.edges.0.ops.0.");
        var live = Statistics("cells.l2_w0.edges.0.ops.0.");
        using (torch.no_grad()) net.call(torch.rand(2, 1, 16, 16));
        Assert.True(Statistics("cells.l3_w0.edges.0.ops.0.").eq(dead).all().item<bool>(), "the dead layer's convolution ran");
        Assert.False(Statistics("cells.l2_w0.edges.0.ops.0.").eq(live).all().item<bool>(), "a live layer's convolution did not run");
    }

    [Fact]
    public void APathTheSupernetCannotRunAlone_IsRefusedNamingTheLayer_AndDrawnPathsAllRun()
    {
        var config = Tiny(RestorationTask.Denoise(25, 1), layers: 4);
        using var net = TorchRuntime.Seeded(1, () => new Supernet(config));
        // layer 3's cell at width 0 reads layer 1's state at width 0; this path passes width 1 there
        var error = Assert.Throws<ArgumentException>(() => net.SetSubnetwork(TinyGenotype(config, 1, 0, 0, 0)));
        Assert.Contains("layer 3", error.Message);
        Assert.Null(net.Subnetwork);

        var random = new HiNas.Imaging.Randomness.DeterministicRandom(2);
        var paths = Enumerable.Range(0, 200).Select(_ => net.DrawRunnablePath(random)).ToArray();
        Assert.All(paths, p => Assert.True(net.RunsAlone(p), $"[{string.Join(",", p)}]"));
        Assert.All(paths, p => TinyGenotype(config, p)); // lattice paths: each a valid genotype's
        Assert.True(paths.Select(p => string.Join(",", p)).Distinct().Count() >= 5, "the draws cover the runnable paths");
    }
}
