using HiNas.Imaging.Tasks;
using HiNas.Onnx.Export;
using HiNas.Search.Networks;
using HiNas.Search.Runtime;
using HiNas.Inference.Engine;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using static TorchSharp.torch;
using OrtTensors = Microsoft.ML.OnnxRuntime.Tensors;
using HiNas.Nas.Genotypes;
using HiNas.Nas.Settings;
using HiNas.Nas.Space;
using HiNas.Search.Operations;

namespace HiNas.Onnx.Tests;

/// <summary>ONNX Runtime on the exported graph vs TorchSharp in eval mode, on random inputs of three sizes.</summary>
public class ExportParityTests
{
    public ExportParityTests() => TorchRuntime.EnsureInitialized();

    private static readonly double[] Factors = { 1.0, 1.5, 2.0 };

    /// <summary>A genotype whose cells use every operation of the table at least once (over its layers).</summary>
    internal static Genotype EveryOp(RestorationTask task, ConvStyle dilated = ConvStyle.Dense, int pixelUnshuffle = 1, ConvStyle headConv = ConvStyle.Dense, CellForm form = CellForm.Paper)
    {
        var a = new CellGenotype(new[]
        {
            new CellEdge(OperationNames.Conv3x3, 0), new CellEdge(OperationNames.SepConv3x3, 1),
            new CellEdge(OperationNames.SepConv5x5, 2), new CellEdge(OperationNames.DilConv3x3, 0),
            new CellEdge(OperationNames.DilConv5x5, 1), new CellEdge(OperationNames.Skip, 3),
        });
        var b = new CellGenotype(new[]
        {
            new CellEdge(OperationNames.Skip, 0), new CellEdge(OperationNames.DilConv5x5, 1),
            new CellEdge(OperationNames.Conv3x3, 2), new CellEdge(OperationNames.SepConv5x5, 1),
            new CellEdge(OperationNames.DilConv3x3, 3), new CellEdge(OperationNames.SepConv3x3, 0),
        });
        return new Genotype(new SearchSpace(task, 3, 3, 4, Factors, 8, dilated, pixelUnshuffle, headConv, form), new[] { a, b, a }, new[] { 1, 2, 1 });
    }

    /// <summary>
    /// A network with dead layers (<see cref="LayerLiveness"/>) on two widths: 0-based, layer 4 reads layer 2 (s1), so
    /// layer 3 is dead; layer 2 reads layer 0, so layer 1 is dead; the cells read one input or both.
    /// </summary>
    internal static Genotype DeadLayers(RestorationTask task, int pixelUnshuffle = 1, CellForm form = CellForm.Paper)
    {
        CellEdge E(string op, int input) => new(op, input);
        var both = new CellGenotype(new[] { E(OperationNames.Conv3x3, 0), E(OperationNames.None, 1), E(OperationNames.DilConv3x3, 2), E(OperationNames.Skip, 1) });
        var fromS0 = new CellGenotype(new[] { E(OperationNames.Conv3x3, 0), E(OperationNames.None, 1), E(OperationNames.SepConv3x3, 2), E(OperationNames.None, 0) });
        var fromS1 = new CellGenotype(new[] { E(OperationNames.DilConv3x3, 1), E(OperationNames.None, 0), E(OperationNames.Conv3x3, 2), E(OperationNames.Skip, 1) });
        var space = new SearchSpace(task, 5, 2, 4, Factors, 8, pixelUnshuffle: pixelUnshuffle, form: form, candidates: OperationSet.Parse("conv_3x3,sep_conv_3x3,dil_conv_3x3,skip_connect,none"));
        var genotype = new Genotype(space, new[] { both, fromS0, fromS1, fromS0, fromS1 }, new[] { 1, 2, 1, 0, 1 });
        Assert.Equal(new[] { 1, 3 }, genotype.Liveness.Dead);
        return genotype;
    }

    public static TheoryData<string, string, int, int> Cases => new()
    {
        { "dead-layers", "denoise", 3, 1 }, { "dead-layers/fused", "denoise", 3, 1 }, { "dead-layers/frame-time/fused", "sr", 3, 2 }, { "dead-layers/decoder", "sr", 1, 2 },
        { "every-op", "denoise", 1, 1 }, { "every-op", "denoise", 3, 1 }, { "every-op", "sr", 3, 2 }, { "every-op", "sr", 3, 3 }, { "every-op", "sr", 1, 4 },
        { "random:11", "denoise", 1, 1 }, { "random:12", "sr", 3, 2 }, { "random:13", "sr", 3, 4 },
        { "every-op/separable", "denoise", 3, 1 }, { "every-op/separable", "sr", 3, 2 },
        { "every-op/decoder", "denoise", 1, 1 }, { "every-op/decoder", "sr", 3, 2 }, { "every-op/decoder", "sr", 1, 3 },
        { "random:14/decoder/x2", "denoise", 3, 1 }, { "random:15/x2", "sr", 3, 4 },
        { "every-op/frame-time", "denoise", 1, 1 }, { "every-op/frame-time", "denoise", 3, 1 }, { "every-op/frame-time/decoder", "sr", 3, 2 },
        { "random:16/frame-time/decoder", "denoise", 3, 1 }, { "random:17/frame-time", "sr", 1, 4 },
        { "every-op/frame-time/sep-head", "sr", 3, 2 }, { "every-op/frame-time/sep-head", "denoise", 3, 1 }, { "random:18/frame-time/sep-head", "sr", 3, 4 }, { "random:19/frame-time", "sr", 3, 3 },
        { "every-op/fused", "denoise", 3, 1 }, { "every-op/fused/separable", "sr", 3, 2 }, { "every-op/frame-time/fused", "denoise", 3, 1 },
        { "every-op/frame-time/fused/sep-head", "sr", 3, 2 }, { "every-op/frame-time/fused/expanded", "denoise", 3, 1 }, { "random:28/fused/b1/expanded", "sr", 3, 2 }, { "every-op/fused/decoder", "denoise", 1, 1 },
        { "random:20/frame-time/fused/b1", "denoise", 3, 1 }, { "random:21/fused/b1/x2", "sr", 3, 2 }, { "random:22/frame-time/fused/b1", "sr", 1, 4 },
        { "random:23/frame-time/fused/b1/stem-at-width", "denoise", 3, 1 }, { "random:24/fused/b1/stem-at-width", "sr", 3, 2 },
        { "random:25/frame-time/fused/b1/stem-at-width/none", "denoise", 3, 1 }, { "random:26/fused/none", "denoise", 1, 1 }, { "random:27/none", "sr", 3, 2 },
        { "dncnn", "denoise", 1, 1 }, { "dncnn", "denoise", 3, 1 }, { "ffdnet", "denoise", 1, 1 }, { "ffdnet", "denoise", 3, 1 },
        { "espcn", "sr", 3, 2 }, { "espcn", "sr", 3, 3 }, { "fsrcnn", "sr", 3, 4 }, { "fsrcnn", "sr", 1, 2 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void OnnxRuntimeMatchesTorchSharp(string architecture, string kind, int channels, int scale)
    {
        var task = kind == "denoise" ? RestorationTask.Denoise(25, channels) : RestorationTask.SuperResolution(scale, channels);
        // "NAME[/separable][/frame-time][/sep-head][/fused][/b1][/stem-at-width][/none][/decoder][/x2][/expanded]": separable dilated
        // convolutions, the frame-time space (pixel-unshuffle 2), the light head's separable convolution, fused cells, one
        // node per cell (fused: no projection where a state has the cell's channels already), the stem at the first
        // width's channels (fused: a stem without projections), nodes of one operation (none derived), the decoder head,
        // retrained twice as wide, convolutions trained expanded (×3)
        var parts = architecture.Split('/');
        var dilated = parts.Contains("separable") ? ConvStyle.Separable : ConvStyle.Dense;
        var unshuffle = parts.Contains("frame-time") ? 2 : 1;
        var headConv = parts.Contains("sep-head") ? ConvStyle.Separable : ConvStyle.Dense;
        var form = parts.Contains("fused") ? CellForm.Fused : CellForm.Paper;
        var spec = parts[0] == "every-op" ? ArchitectureSpec.FromGenotype(EveryOp(task, dilated, unshuffle, headConv, form))
            : parts[0] == "dead-layers" ? ArchitectureSpec.FromGenotype(DeadLayers(task, unshuffle, form))
            : ArchitectureSpec.Parse(parts[0], task, depth: 4, width: 12, new SearchSpace(task, 3, parts.Contains("b1") ? 1 : 3, 4, Factors, parts.Contains("stem-at-width") ? 4 : 8, dilated, unshuffle, headConv, form,
                parts.Contains("none") ? OperationSet.Parse("conv_3x3,dil_conv_3x3,skip_connect,none") : null));
        if (spec.IsHiNas)
            spec = spec with { Head = parts.Contains("decoder") ? DerivedHead.Decoder : DerivedHead.Light, WidthMultiplier = parts.Contains("x2") ? 2 : 1, ConvExpansion = parts.Contains("expanded") ? 3 : null };
        if (parts.Contains("none")) Assert.Contains(spec.Genotype!.Cells.SelectMany(c => c.Edges), e => e.Op == OperationNames.None);
        using var network = TorchRuntime.Seeded(17, () => spec.Build(task));
        GiveBatchNormsRealStatistics(network, channels);
        // an expanded network's collapsible pairs are moved away from their start, which multiplies out to the identity
        using (torch.no_grad())
            foreach (var pair in network.modules().OfType<CollapsibleConv>())
                foreach (var p in pair.parameters()) p.uniform_(-0.2, 0.2, new Generator(23));
        Assert.Equal(parts.Contains("expanded"), network.modules().OfType<CollapsibleConv>().Any());
        network.eval();

        var bytes = OnnxExporter.ExportBytes(network, task);
        using var session = new InferenceSession(bytes);

        foreach (var (h, w) in new[] { (16, 16), (23, 17), (9, 30) })
        {
            using var scope = torch.NewDisposeScope();
            var x = torch.rand(new long[] { 2, channels, h, w }, generator: new Generator((ulong)(h * 31 + w)));
            Tensor expected;
            using (torch.no_grad()) expected = network.call(x).contiguous();
            // a frame-time graph takes even sides: odd ones are padded as the engine pads them
            var actual = Run(session, x, ((IRestorationNetwork)network).PixelUnshuffle, task.Scale);
            Assert.Equal(expected.shape, actual.Shape);
            var maxDiff = expected.data<float>().ToArray().Zip(actual.Data).Max(p => Math.Abs(p.First - p.Second));
            Assert.True(maxDiff <= 1e-4, $"{architecture} {task.Slug} {h}×{w}: max |ORT − TorchSharp| = {maxDiff:E2}");
        }
    }

    /// <summary>
    /// The denoising hand designs' activation is their papers': DnCNN and FFDNet ReLU, one after each of their five
    /// convolutions but the last; ESPCN keeps the paper space's LeakyReLU, which the denoisers had before (FFDNet 4 × 48
    /// trained 0.17 dB lower with it).
    /// </summary>
    [Theory]
    [InlineData("dncnn", "denoise", "Relu", 4)]
    [InlineData("ffdnet", "denoise", "Relu", 4)]
    [InlineData("espcn", "sr", "LeakyRelu", 4)]
    [InlineData("ffdnet/recorded-before", "denoise", "LeakyRelu", 4)] // a run whose options file does not record the activation is read with LeakyReLU (ResolverTests): rebuilt as it was trained
    public void HandDesignsExportTheirActivation(string architecture, string kind, string activation, int count)
    {
        var task = kind == "denoise" ? RestorationTask.Denoise(25, 3) : RestorationTask.SuperResolution(2, 3);
        var spec = ArchitectureSpec.Parse(architecture.Split('/')[0], task, depth: 5, width: 8, new SearchSpace(task, 3, 3, 4, Factors, 8));
        if (architecture.EndsWith("/recorded-before", StringComparison.Ordinal)) spec = spec with { Activation = ArchitectureSpec.LeakyReluActivation };
        using var network = TorchRuntime.Seeded(1, () => spec.Build(task));
        network.eval();
        var nodes = OnnxExporter.Export(network, task).Graph.Node;
        Assert.Equal(count, nodes.Count(n => n.OpType == activation));
        Assert.DoesNotContain(nodes, n => n.OpType is "Relu" or "LeakyRelu" && n.OpType != activation);
    }

    /// <summary>
    /// Fused cells export as ONNX Runtime can fold them: each node a ReLU right after its Add, the stem's ReLU right
    /// after its convolution, no LeakyReLU, and no projection of a state that already has the cell's channels — the
    /// stem's own two when it has the first cell's width.
    /// </summary>
    [Theory]
    [InlineData(8, 3)]
    [InlineData(4, 1)]
    public void FusedCellsExportEachNodeAsAddThenRelu_AndNoOtherActivation(int stemChannels, int stemConvs)
    {
        var task = RestorationTask.Denoise(25, 3);
        var cell = new CellGenotype(new[] { new CellEdge(OperationNames.Conv3x3, 0), new CellEdge(OperationNames.DilConv3x3, 1) });
        var genotype = new Genotype(new SearchSpace(task, 4, 1, 4, new[] { 1.0, 2.0 }, stemChannels, pixelUnshuffle: 2, form: CellForm.Fused), new[] { cell, cell, cell, cell }, new[] { 1, 1, 1, 1 });
        using var network = TorchRuntime.Seeded(1, () => ArchitectureSpec.FromGenotype(genotype).Build(task));
        network.eval();
        var nodes = OnnxExporter.Export(network, task).Graph.Node;
        string WriterOf(HiNas.Onnx.Proto.NodeProto n) => nodes.Single(w => w.Output.Contains(n.Input[0])).OpType;
        var relus = nodes.Where(n => n.OpType == "Relu").ToArray();
        Assert.Equal(5, relus.Length);
        Assert.Equal(4, relus.Count(relu => WriterOf(relu) == "Add"));
        Assert.Equal("Conv", WriterOf(relus.Single(relu => WriterOf(relu) != "Add")));
        Assert.DoesNotContain(nodes, n => n.OpType == "LeakyRelu");
        // stem: its conv, and its projections onto 4 channels unless it has 4; layer 1 projects both 4-channel stem
        // states to 8, layer 2 its s1 (the stem's s0), layers 3 and 4 nothing; 2 operations per layer; head 1
        Assert.Equal(stemConvs + 2 + 1 + 4 * 2 + 1, nodes.Count(n => n.OpType == "Conv"));
    }

    /// <summary>
    /// Nodes of one operation (none derived) export as the plain stack they are: each layer's convolution writes its
    /// ReLU directly, with no Add — FFDNet's graph, reached from the space.
    /// </summary>
    [Fact]
    public void APlainStackOfTheSpace_ExportsEachLayerAsConvThenRelu_WithoutAdd()
    {
        var task = RestorationTask.Denoise(25, 3);
        var cell = new CellGenotype(new[] { new CellEdge(OperationNames.Conv3x3, 0), new CellEdge(OperationNames.None, 1) });
        var space = new SearchSpace(task, 4, 1, 8, new[] { 1.0 }, 8, pixelUnshuffle: 2, form: CellForm.Fused, candidates: OperationSet.Parse("conv_3x3,skip_connect,none"));
        using var network = TorchRuntime.Seeded(1, () => ArchitectureSpec.FromGenotype(new Genotype(space, new[] { cell, cell, cell, cell }, new[] { 0, 0, 0, 0 })).Build(task));
        network.eval();
        var nodes = OnnxExporter.Export(network, task).Graph.Node;
        string WriterOf(HiNas.Onnx.Proto.NodeProto n) => nodes.Single(w => w.Output.Contains(n.Input[0])).OpType;
        // stem conv + 4 layers, each a Conv then its Relu; the head's conv
        Assert.Equal(6, nodes.Count(n => n.OpType == "Conv"));
        Assert.Equal(5, nodes.Count(n => n.OpType == "Relu"));
        Assert.All(nodes.Where(n => n.OpType == "Relu"), relu => Assert.Equal("Conv", WriterOf(relu)));
        Assert.DoesNotContain(nodes, n => n.OpType == "Add" && nodes.Any(c => c.OpType == "Relu" && c.Input[0] == n.Output[0]));
    }

    /// <summary>A dead layer is not in the graph: every Conv of the export is one of the network's built convolutions, and with the dead layers live the graph has theirs too.</summary>
    [Fact]
    public void DeadLayersAreNotExported()
    {
        var task = RestorationTask.Denoise(25, 3);
        var genotype = DeadLayers(task);
        int Convs(Genotype g, out int modules)
        {
            using var network = TorchRuntime.Seeded(1, () => ArchitectureSpec.FromGenotype(g).Build(task));
            network.eval();
            modules = network.modules().Count(m => m is TorchSharp.Modules.Conv2d);
            return OnnxExporter.Export(network, task).Graph.Node.Count(n => n.OpType == "Conv");
        }
        var pruned = Convs(genotype, out var built);
        Assert.Equal(built, pruned);
        var live = genotype.Cells[0];
        var whole = Convs(genotype.WithCells(Enumerable.Repeat(live, 5).ToArray()), out _);
        Assert.Empty(genotype.WithCells(Enumerable.Repeat(live, 5).ToArray()).Liveness.Dead);
        Assert.True(whole > pruned, $"{whole} convolutions with every layer live, {pruned} with two dead");
    }

    [Fact]
    public void TheGraphDeclaresDynamicImageShapesAndOpset17()
    {
        var task = RestorationTask.SuperResolution(2, 3);
        using var network = TorchRuntime.Seeded(1, () => ArchitectureSpec.FromGenotype(EveryOp(task)).Build(task));
        network.eval();
        var model = OnnxExporter.Export(network, task);
        Assert.Equal(17, model.OpsetImport.Single().Version);
        var input = model.Graph.Input.Single();
        Assert.Equal(OnnxExporter.InputName, input.Name);
        Assert.Equal(new[] { "batch", "", "height", "width" }, input.Type.TensorType.Shape.Dim.Select(d => d.DimParam));
        Assert.Equal(3, input.Type.TensorType.Shape.Dim[1].DimValue);
        Assert.Equal(OnnxExporter.OutputName, model.Graph.Output.Single().Name);
        Assert.DoesNotContain(model.Graph.Node, n => n.OpType == "BatchNormalization");
        Assert.Contains(model.Graph.Node, n => n.OpType == "DepthToSpace");
        // the bicubic residual is a phase convolution, not ONNX Runtime's single-threaded Resize
        Assert.DoesNotContain(model.Graph.Node, n => n.OpType == "Resize");
        Assert.Contains(model.Graph.Node, n => n.OpType == "Pad" && n.Attribute.Any(a => a.Name == "mode" && a.S.ToStringUtf8() == "edge"));
    }

    /// <summary>
    /// An export disposes every tensor it makes while it reads the weights: none is left in the caller's scope (and so,
    /// without one, to the finalizer thread, which could free it while libtorch still reads it). Factored convolutions
    /// (their product) and the fused space's scaled skips included.
    /// </summary>
    [Theory]
    [InlineData(CellForm.Paper, 1)]
    [InlineData(CellForm.Fused, 3)]
    public void AnExport_LeavesNoTensorBehind(CellForm form, int expansion)
    {
        var task = RestorationTask.Denoise(25, 3);
        var spec = ArchitectureSpec.FromGenotype(EveryOp(task, form: form)) with { ConvExpansion = expansion > 1 ? expansion : null };
        using var network = TorchRuntime.Seeded(1, () => spec.Build(task));
        network.eval();
        using var caller = torch.NewDisposeScope();
        var nodes = OnnxExporter.Export(network, task).Graph.Node.Count;
        Assert.True(nodes > 10, $"{nodes} nodes");
        Assert.Equal(0, caller.DisposablesCount);
    }

    /// <summary>A few training-mode forward passes so that every BatchNorm has non-trivial running statistics,
    /// and random affine parameters, which the exporter must fold correctly (and random factors on fused skips).</summary>
    /// <remarks>Its own generator: tests run in parallel, and draws from the global one would differ from run to run.</remarks>
    internal static void GiveBatchNormsRealStatistics(nn.Module<Tensor, Tensor> network, int channels)
    {
        network.train();
        var generator = new Generator(23);
        using (torch.no_grad())
        {
            foreach (var (_, module) in network.named_modules())
                if (module is HiNas.Search.Operations.ScalarFreeBatchNorm2d { Weight: not null } bn)
                {
                    bn.Weight!.uniform_(0.5, 1.5, generator);
                    bn.Bias!.uniform_(-0.2, 0.2, generator);
                }
                else if (module is HiNas.Search.Operations.ScaledIdentity skip) skip.Factors.uniform_(-1, 1, generator); // not the 0 start
            for (var i = 0; i < 3; i++)
            {
                using var scope = torch.NewDisposeScope();
                network.call(torch.rand(new long[] { 4, channels, 20, 20 }, generator: generator) * 2 - 0.5);
            }
        }
    }

    private static (long[] Shape, float[] Data) Run(InferenceSession session, Tensor x, int inputMultiple, int scale)
    {
        var (n, c, h, w) = ((int)x.shape[0], (int)x.shape[1], (int)x.shape[2], (int)x.shape[3]);
        var output = EdgePadded.Run(x.contiguous().data<float>().ToArray(), n * c, h, w, inputMultiple, scale, (planes, ph, pw) =>
        {
            var inputTensor = new OrtTensors.DenseTensor<float>(planes, new[] { n, c, ph, pw });
            using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor(OnnxExporter.InputName, inputTensor) });
            return results.Single(r => r.Name == OnnxExporter.OutputName).AsTensor<float>().ToArray();
        });
        return (new long[] { n, c, h * scale, w * scale }, output);
    }
}
