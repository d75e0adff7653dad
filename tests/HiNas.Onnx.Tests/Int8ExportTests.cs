using System.Text.Json;
using Google.Protobuf;
using HiNas.Imaging.Tasks;
using HiNas.Inference.Engine;
using HiNas.Inference.Packages;
using HiNas.Nas.Genotypes;
using HiNas.Nas.Settings;
using HiNas.Nas.Space;
using HiNas.Onnx.Export;
using HiNas.Onnx.Packaging;
using HiNas.Onnx.Proto;
using HiNas.Onnx.Quantization;
using HiNas.Search.Data;
using HiNas.Search.Networks;
using HiNas.Search.Runtime;
using HiNas.Search.Training;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using static TorchSharp.torch;
using OrtTensors = Microsoft.ML.OnnxRuntime.Tensors;

namespace HiNas.Onnx.Tests;

/// <summary>int8 export: calibration, the QDQ graph ONNX Runtime runs in its int8 kernels, the fake quantization that trains for it, the package.</summary>
public class Int8ExportTests
{
    public Int8ExportTests() => TorchRuntime.EnsureInitialized();

    private static (ModelProto Float, float[] Input, int[] Shape) EveryOpGraph(RestorationTask task, int pixelUnshuffle = 1) =>
        GraphOf(ExportParityTests.EveryOp(task, pixelUnshuffle: pixelUnshuffle), task);

    /// <summary>Fused cells of convolutions, dilated ones and none, as the default denoisers' space has them: each node a ReLU after its Add.</summary>
    private static Genotype FusedConvolutions(RestorationTask task, int pixelUnshuffle) => Fused(task, pixelUnshuffle,
        (OperationNames.DilConv3x3, OperationNames.Conv3x3), (OperationNames.None, OperationNames.Conv3x3), (OperationNames.Conv3x3, OperationNames.DilConv3x3));

    /// <summary>Three fused cells, each (the edge on the state before, the edge on the state two back).</summary>
    private static Genotype Fused(RestorationTask task, int pixelUnshuffle, params (string Previous, string TwoBack)[] cells)
    {
        var space = new SearchSpace(task, cells.Length, 1, 8, new[] { 1.0 }, 8, pixelUnshuffle: pixelUnshuffle, form: CellForm.Fused, candidates: OperationSet.Parse("conv_3x3,dil_conv_3x3,none"));
        return new Genotype(space, cells.Select(c => new CellGenotype(new[] { new CellEdge(c.Previous, 0), new CellEdge(c.TwoBack, 1) })).ToArray(), new int[cells.Length]);
    }

    private static (ModelProto Float, float[] Input, int[] Shape) GraphOf(Genotype genotype, RestorationTask task)
    {
        using var network = TorchRuntime.Seeded(5, () => ArchitectureSpec.FromGenotype(genotype).Build(task));
        ExportParityTests.GiveBatchNormsRealStatistics(network, task.Channels);
        network.eval();
        var shape = new[] { 1, task.Channels, 24, 20 };
        using var x = torch.rand(shape.Select(d => (long)d).ToArray(), generator: new Generator(9));
        return (OnnxExporter.Export(network, task), x.data<float>().ToArray(), shape);
    }

    private static IReadOnlyDictionary<string, ValueRange> Calibrate(ModelProto model, int channels) =>
        ActivationRanges.Calibrate(model, Enumerable.Range(0, 4).Select(i =>
        {
            using var x = torch.rand(new long[] { 1, channels, 32, 32 }, generator: new Generator((ulong)(100 + i)));
            return new OrtTensors.DenseTensor<float>(x.data<float>().ToArray(), new[] { 1, channels, 32, 32 });
        }).ToArray());

    /// <summary>
    /// A session over the graph opened as every session is (<see cref="GraphOptimizer"/>: int8 weights multiplied exactly
    /// on this CPU, <see cref="Int8Weights"/>), or with <paramref name="unsignedProducts"/> in ONNX Runtime's precision
    /// mode whatever the CPU.
    /// </summary>
    private static InferenceSession Open(byte[] onnx, GraphOptimizationLevel level, string? optimizedPath, bool unsignedProducts = false) =>
        GraphOptimizer.Open(ModelSource.Memory(onnx), GraphOptimizer.Of(level), options =>
        {
            if (optimizedPath is not null) options.OptimizedModelFilePath = optimizedPath;
            if (unsignedProducts && !Int8Weights.ProductsSaturate) Int8Weights.UnsignedProducts(options); // (on already where they saturate)
        }).Session;

    private static float[] Run(byte[] onnx, float[] input, int[] shape, GraphOptimizationLevel level = GraphOptimizationLevel.ORT_ENABLE_EXTENDED, string? optimizedPath = null,
        bool unsignedProducts = false)
    {
        using var session = Open(onnx, level, optimizedPath, unsignedProducts);
        using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor(OnnxExporter.InputName, new OrtTensors.DenseTensor<float>(input.ToArray(), shape)) });
        return results.Single().AsTensor<float>().ToArray();
    }

    /// <summary>The fake-quantized graph on one input, in evaluation mode.</summary>
    private static float[] RunFake(FakeQuantizedGraph graph, float[] input, int[] shape)
    {
        graph.eval();
        using var noGrad = torch.no_grad();
        using var x = torch.tensor(input, shape.Select(d => (long)d).ToArray());
        using var y = graph.call(x).contiguous();
        return y.data<float>().ToArray();
    }

    private static double Rms(float[] a, float[] b) => Math.Sqrt(a.Zip(b).Average(p => (double)(p.First - p.Second) * (p.First - p.Second)));

    /// <summary>The fraction of values of <paramref name="a"/> equal to <paramref name="b"/>'s (within float rounding).</summary>
    private static double Matching(float[] a, float[] b) => a.Zip(b).Count(p => Math.Abs(p.First - p.Second) <= 1e-6) / (double)a.Length;

    /// <summary>
    /// The fake quantization rounds as the int8 graph rounds: many of its output values are exactly the int8 graph's,
    /// where the float graph's almost never are. Not all: libtorch and ONNX Runtime add a convolution's products in
    /// different orders, a value on a rounding boundary then lands one step apart, and through 40-odd quantized layers
    /// such flips spread (how far depends on the network: 40–70 % of these test graphs' outputs match).
    /// </summary>
    private static void AssertRoundsAsInt8(float[] fake, float[] reference, float[] int8, string what)
    {
        var (fakeMatches, floatMatches) = (Matching(fake, int8), Matching(reference, int8));
        Assert.True(fakeMatches >= 0.25 && floatMatches < 0.05 && Rms(fake, int8) < Rms(reference, int8),
            $"{what}: {fakeMatches:P0} of the fake graph's outputs are the int8 graph's (float: {floatMatches:P0}); " +
            $"RMS |fake − int8| = {Rms(fake, int8):E2}, RMS |float − int8| = {Rms(reference, int8):E2}");
    }

    [Theory]
    [InlineData("denoise", 1, 1, 1)]
    [InlineData("sr", 3, 2, 1)]
    [InlineData("sr", 3, 2, 2)]
    [InlineData("denoise", 3, 1, 2)]
    public void TheQdqGraphRunsEveryConvolutionOfTheNetworkInInt8AndStaysCloseToFloat(string kind, int channels, int scale, int pixelUnshuffle)
    {
        var task = kind == "denoise" ? RestorationTask.Denoise(25, channels) : RestorationTask.SuperResolution(scale, channels);
        var (model, input, shape) = EveryOpGraph(task, pixelUnshuffle);
        var int8 = QdqQuantizer.Quantize(model, Calibrate(model, channels));
        Assert.Equal(ModelPrecision.Int8, int8.MetadataProps.Single(p => p.Key == QdqQuantizer.PrecisionKey).Value);

        var path = Path.Combine(Path.GetTempPath(), $"hinas-int8-{Guid.NewGuid():N}.onnx");
        try
        {
            var quantized = Run(int8.ToByteArray(), input, shape, optimizedPath: path);
            var optimized = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
            var networkConvs = model.Graph.Node.Count(n => n.OpType == "Conv") - (kind == "sr" ? 1 : 0); // SR: the bicubic residual's phase convolution stays float
            Assert.Equal(networkConvs, optimized.Graph.Node.Count(n => n.OpType == "QLinearConv"));
            Assert.Equal(kind == "sr" ? 1 : 0, optimized.Graph.Node.Count(n => n.OpType is "Conv" or "FusedConv"));
            var reference = Run(model.ToByteArray(), input, shape);
            var rms = Rms(reference, quantized);
            Assert.True(rms < 0.05, $"{task.Slug}: RMS |int8 − float| = {rms:F4} on [0, 1] images");
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void AValueOnlyAReluReadsIsRoundedOnce_AtTheRelusOutput_AndOnnxRuntimeFoldsBoth()
    {
        var task = RestorationTask.Denoise(25, 3);
        var (model, input, shape) = GraphOf(FusedConvolutions(task, 2), task);
        var plan = QuantizationPlan.Of(model);
        var relus = model.Graph.Node.Where(n => n.OpType == "Relu").ToArray();
        Assert.NotEmpty(relus);
        Assert.All(relus, relu =>
        {
            Assert.Contains(relu.Output[0], plan.Activations);
            Assert.DoesNotContain(relu.Input[0], plan.Activations);
        });
        var path = Path.Combine(Path.GetTempPath(), $"hinas-int8-{Guid.NewGuid():N}.onnx");
        try
        {
            Run(QdqQuantizer.Quantize(model, Calibrate(model, 3)).ToByteArray(), input, shape, optimizedPath: path);
            var optimized = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
            // every convolution and sum writes its successor's uint8 input itself: no ReLU left, and no value dequantized
            // only to be quantized again
            Assert.Equal(model.Graph.Node.Count(n => n.OpType == "Conv"), optimized.Graph.Node.Count(n => n.OpType == "QLinearConv"));
            Assert.DoesNotContain(optimized.Graph.Node, n => n.OpType == "Relu");
            var dequantized = optimized.Graph.Node.Where(n => n.OpType == "DequantizeLinear").Select(n => n.Output[0]).ToHashSet();
            var requantized = optimized.Graph.Node.Where(n => n.OpType == "QuantizeLinear" && dequantized.Contains(n.Input[0])).Select(n => n.Input[0]).ToArray();
            Assert.True(requantized.Length == 0, $"dequantized and quantized again: {string.Join(", ", requantized)}");
        }
        finally { File.Delete(path); }
    }

    /// <summary>A denoiser told the noise with every operation: its float graph, and calibration feeds of image and level.</summary>
    private static (ModelProto Float, IReadOnlyDictionary<string, ValueRange> Ranges) ToldGraph(RestorationTask task)
    {
        using var network = TorchRuntime.Seeded(5, () => ArchitectureSpec.FromGenotype(ExportParityTests.EveryOp(task)).Build(task, noiseMap: true));
        ExportParityTests.GiveBatchNormsRealStatistics(network, task.Channels + 1);
        // a random network barely listens to a plane of σ/255 ≤ 0.2: the convolution reading it is made to, as a trained one does
        using (torch.no_grad())
        {
            var stem = network.parameters().First(p => p.dim() == 4 && p.shape[1] == task.Channels + 1);
            using var level = stem.narrow(1, task.Channels, 1);
            level.mul_(20);
        }
        network.eval();
        var model = OnnxExporter.Export(network, task);
        var feeds = Enumerable.Range(0, 4).Select(i =>
        {
            using var x = torch.rand(new long[] { 1, task.Channels, 32, 32 }, generator: new Generator((ulong)(100 + i)));
            return (IReadOnlyDictionary<string, OrtTensors.DenseTensor<float>>)new Dictionary<string, OrtTensors.DenseTensor<float>>
            {
                [OnnxExporter.InputName] = new(x.data<float>().ToArray(), new[] { 1, task.Channels, 32, 32 }),
                [NoiseLevelMap.InputName] = NoiseLevelFeed.Tensor(NoiseLevelMap.Level(50.0 * i / 3)),
            };
        }).ToArray();
        return (model, ActivationRanges.Calibrate(model, feeds));
    }

    private static float[] RunTold(byte[] onnx, float[] input, int[] shape, double sigma, string? optimizedPath = null)
    {
        using var session = Open(onnx, GraphOptimizationLevel.ORT_ENABLE_EXTENDED, optimizedPath);
        using var results = session.Run(new[]
        {
            NamedOnnxValue.CreateFromTensor(OnnxExporter.InputName, new OrtTensors.DenseTensor<float>(input.ToArray(), shape)),
            NoiseLevelFeed.Named(NoiseLevelMap.InputName, NoiseLevelMap.Level(sigma)),
        });
        return results.Single().AsTensor<float>().ToArray();
    }

    [Fact]
    public void ADenoiserToldTheNoise_RunsItsNetworkInInt8_AndBuildsTheLevelPlaneInFloat()
    {
        var task = RestorationTask.Denoise(25, 3);
        var (model, ranges) = ToldGraph(task);
        var plan = QuantizationPlan.Of(model);
        Assert.NotEqual(OnnxExporter.InputName, plan.NetworkInput);
        Assert.Contains(plan.NetworkInput, plan.Activations);
        Assert.DoesNotContain(NoiseLevelMap.InputName, plan.Activations);
        var int8 = QdqQuantizer.Quantize(model, ranges);

        var shape = new[] { 1, 3, 24, 20 };
        using var x = torch.rand(shape.Select(d => (long)d).ToArray(), generator: new Generator(9));
        var input = x.data<float>().ToArray();
        var path = Path.Combine(Path.GetTempPath(), $"hinas-int8-{Guid.NewGuid():N}.onnx");
        try
        {
            var low = RunTold(int8.ToByteArray(), input, shape, 5, optimizedPath: path);
            var optimized = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
            Assert.Equal(model.Graph.Node.Count(n => n.OpType == "Conv"), optimized.Graph.Node.Count(n => n.OpType == "QLinearConv"));
            var high = RunTold(int8.ToByteArray(), input, shape, 50);
            foreach (var (sigma, quantized) in new[] { (5.0, low), (50.0, high) })
            {
                var rms = Rms(RunTold(model.ToByteArray(), input, shape, sigma), quantized);
                Assert.True(rms < 0.05, $"σ {sigma}: RMS |int8 − float| = {rms:F4} on [0, 1] images");
            }
            // the level reaches the int8 network: its frames at σ 5 and σ 50 differ as the float graph's do
            var (floatLow, floatHigh) = (RunTold(model.ToByteArray(), input, shape, 5), RunTold(model.ToByteArray(), input, shape, 50));
            var effect = Rms(floatLow, floatHigh);
            var int8Effect = Rms(low.Zip(high, (l, h) => h - l).ToArray(), floatLow.Zip(floatHigh, (l, h) => h - l).ToArray());
            Assert.True(int8Effect < 0.3 * effect, $"RMS of the int8 graph's σ5→σ50 change against the float graph's: {int8Effect:E2} (the change itself {effect:E2})");
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void FakeQuantizationOfADenoiserToldTheNoise_ComputesWhatItsInt8GraphComputes(int channels)
    {
        var task = RestorationTask.Denoise(25, channels);
        var (model, ranges) = ToldGraph(task);
        var int8 = QdqQuantizer.Quantize(model, ranges).ToByteArray();
        using var graph = new FakeQuantizedGraph(model, ranges);
        graph.eval();
        var shape = new[] { 1, channels, 24, 20 };
        using var x = torch.rand(shape.Select(d => (long)d).ToArray(), generator: new Generator(9));
        var image = new HiNas.Imaging.Pixels.PlanarImage(channels, 24, 20, x.data<float>().ToArray());
        float[] Fake(double sigma)
        {
            using var noGrad = torch.no_grad();
            using var told = TensorImages.ToTensor(NoiseLevelMap.Append(image, sigma), torch.CPU);
            using var y = graph.call(told).contiguous();
            return y.data<float>().ToArray();
        }
        foreach (var (sigma, other) in new[] { (10.0, 45.0), (45.0, 10.0) })
        {
            var quantized = RunTold(int8, image.Data, shape, sigma);
            AssertRoundsAsInt8(Fake(sigma), RunTold(model.ToByteArray(), image.Data, shape, sigma), quantized, $"σ {sigma}");
            // … and is told the σ the int8 graph is
            var fakeError = Rms(Fake(sigma), quantized);
            var toldOther = Rms(Fake(other), quantized);
            Assert.True(fakeError < 0.3 * toldOther, $"σ {sigma}: RMS |fake − int8| = {fakeError:E2}, and {toldOther:E2} with the fake told σ {other}");
        }
    }

    /// <summary>
    /// A float tail of N keeps float every network node within N convolutions of the prediction along every path: N = 1
    /// the head's convolution and what lies between it and the last convolutions, deeper ones more; the QDQ graph rounds what the
    /// plan names and no more; a tail as deep as the network leaves the float graph's values, in the QDQ graph as in
    /// the fake quantization (which reads the same plan).
    /// </summary>
    [Fact]
    public void AFloatTailKeepsTheNetworksLastConvolutionsFloat()
    {
        var task = RestorationTask.Denoise(25, 1);
        var (model, input, shape) = EveryOpGraph(task);
        var ranges = Calibrate(model, 1);
        var all = QuantizationPlan.Of(model);
        Assert.Empty(all.FloatTail);
        Assert.Empty(QuantizationPlan.Of(QuantizationPlan.WithFloatTail(model, 0)).FloatTail);
        int FloatConvolutions(ModelProto graph, QuantizationPlan plan) => plan.FloatTail.Count(i => graph.Graph.Node[i].OpType == "Conv");
        var previous = 0;
        foreach (var depth in new[] { 1, 2, 3 })
        {
            var tailed = QuantizationPlan.WithFloatTail(model, depth);
            var plan = QuantizationPlan.Of(tailed);
            Assert.Equal(all.Nodes.Count, plan.Nodes.Count + plan.FloatTail.Count);
            Assert.Contains(plan.FloatTail, i => model.Graph.Node[i].Output.Contains(plan.Predictions.Single()));
            Assert.DoesNotContain(plan.Predictions.Single(), plan.Activations);
            // a value is rounded for all its readers or for none: whatever reads a tail node's output is in the tail
            foreach (var i in plan.FloatTail)
                foreach (var output in model.Graph.Node[i].Output)
                    Assert.All(plan.Nodes, j => Assert.DoesNotContain(output, model.Graph.Node[j].Input));
            var floatConvolutions = FloatConvolutions(tailed, plan);
            Assert.True(floatConvolutions > previous, $"a float tail of {depth} keeps {floatConvolutions} convolutions float, one of {depth - 1} kept {previous}");
            previous = floatConvolutions;
            var int8 = QdqQuantizer.Quantize(tailed, ranges);
            Assert.Equal(model.Graph.Node.Count(n => n.OpType == "Conv") - floatConvolutions,
                int8.Graph.Node.Count(n => n.OpType == "DequantizeLinear" && n.Output[0].Contains("w_", StringComparison.Ordinal) && n.Attribute.Any(a => a.Name == "axis")));
            // the QDQ graph rounds exactly the values the plan names
            Assert.Equal(plan.Activations.Count, int8.Graph.Node.Count(n => n.OpType == "QuantizeLinear"));
        }
        var whole = QuantizationPlan.WithFloatTail(model, all.Depth);
        Assert.Empty(QuantizationPlan.Of(whole).Nodes);
        var reference = Run(model.ToByteArray(), input, shape);
        Assert.True(Rms(Run(QdqQuantizer.Quantize(whole, ranges).ToByteArray(), input, shape), reference) < 1e-6);
        // the fake quantization reads the same plan: with the whole network float it rounds nothing
        using var graph = new FakeQuantizedGraph(whole, ranges);
        Assert.True(Rms(RunFake(graph, input, shape), reference) < 1e-5);
        var bad = QuantizationPlan.WithFloatTail(model, 0);
        bad.MetadataProps.Single(p => p.Key == QuantizationPlan.FloatTailKey).Value = "last";
        Assert.Contains(QuantizationPlan.FloatTailKey, Assert.Throws<ArgumentException>(() => QuantizationPlan.Of(bad)).Message);
    }

    /// <summary>
    /// A float tail begins after the ReLU that feeds it: that ReLU stays in int8 with the sum or convolution that writes
    /// its input (ONNX Runtime fuses it there), so the value rounded is the ReLU's output, over its unsigned range, and
    /// the signed value before it is not rounded at all.
    /// </summary>
    [Fact]
    public void AFloatTailLeavesTheReluBeforeItWithItsInt8Writer()
    {
        var task = RestorationTask.Denoise(25, 3);
        var (model, _, _) = GraphOf(FusedConvolutions(task, 2), task);
        var nodes = model.Graph.Node;
        int Writer(string value) => Enumerable.Range(0, nodes.Count).Single(i => nodes[i].Output.Contains(value));
        foreach (var depth in new[] { 1, 2 })
        {
            var plan = QuantizationPlan.Of(QuantizationPlan.WithFloatTail(model, depth));
            // the ReLUs whose outputs the tail's convolutions read, written by what stays int8
            var feeding = plan.FloatTail.Where(i => nodes[i].OpType == "Conv").Select(i => Writer(nodes[i].Input[0]))
                .Where(i => nodes[i].OpType == "Relu" && !plan.FloatTail.Contains(Writer(nodes[i].Input[0]))).Distinct().ToArray();
            Assert.NotEmpty(feeding);
            foreach (var relu in feeding)
            {
                Assert.Contains(relu, plan.Nodes);
                Assert.Contains(nodes[relu].Output[0], plan.Activations);
                Assert.DoesNotContain(nodes[relu].Input[0], plan.Activations);
            }
        }
    }

    /// <summary>
    /// A float head of N keeps float every network node within N convolutions of the network input along every path:
    /// the network input is not rounded, so a denoiser's residual reads the image as it came; the first convolutions'
    /// weights stay float (and train); the fake quantization rounds as the int8 graph does.
    /// </summary>
    [Theory]
    [InlineData("every-op", 1)]
    [InlineData("every-op", 2)]
    [InlineData("fused", 1)]
    public void AFloatHeadKeepsTheNetworksFirstConvolutionsFloat_AndTheNetworkReadsTheImageAsItCame(string graphKind, int depth)
    {
        var task = RestorationTask.Denoise(25, 3);
        var (model, input, shape) = graphKind == "fused" ? GraphOf(FusedConvolutions(task, 2), task) : EveryOpGraph(task);
        var ranges = Calibrate(model, 3);
        var all = QuantizationPlan.Of(model);
        Assert.Empty(all.FloatHead);
        var headed = QuantizationPlan.WithFloatHead(model, depth);
        var plan = QuantizationPlan.Of(headed);
        Assert.Equal(all.Nodes.Count, plan.Nodes.Count + plan.FloatHead.Count);
        // the stem alone at depth 1; deeper, every convolution at most that many from the input (a cell's parallel edges)
        var headConvolutions = plan.FloatHead.Count(i => model.Graph.Node[i].OpType == "Conv");
        Assert.True(depth == 1 ? headConvolutions == 1 : headConvolutions >= depth, $"a float head of {depth} keeps {headConvolutions} convolutions float");
        Assert.DoesNotContain(plan.NetworkInput, plan.Activations);
        Assert.Null(plan.RoundedResidual);
        // a head node reads only the input, constants and head values
        var headValues = plan.FloatHead.SelectMany(i => model.Graph.Node[i].Output).ToHashSet();
        var constants = model.Graph.Initializer.Select(t => t.Name).ToHashSet();
        foreach (var i in plan.FloatHead)
            Assert.All(model.Graph.Node[i].Input, v => Assert.True(v == plan.NetworkInput || constants.Contains(v) || headValues.Contains(v), $"head node '{model.Graph.Node[i].Name}' reads '{v}'"));
        var int8 = QdqQuantizer.Quantize(headed, ranges);
        Assert.DoesNotContain(int8.Graph.Node, n => n.OpType == "QuantizeLinear" && n.Input[0] == OnnxExporter.InputName);
        Assert.Equal(model.Graph.Node.Count(n => n.OpType == "Conv") - headConvolutions,
            int8.Graph.Node.Count(n => n.OpType == "DequantizeLinear" && n.Output[0].Contains("w_", StringComparison.Ordinal) && n.Attribute.Any(a => a.Name == "axis")));
        Assert.Equal(plan.Activations.Count, int8.Graph.Node.Count(n => n.OpType == "QuantizeLinear"));
        var quantized = Run(int8.ToByteArray(), input, shape);
        var reference = Run(model.ToByteArray(), input, shape);
        using var graph = new FakeQuantizedGraph(headed, ranges);
        var fake = RunFake(graph, input, shape);
        AssertRoundsAsInt8(fake, reference, quantized, $"{graphKind}, float head {depth}");
        // the head's weights train with the rest
        Assert.Equal(model.Graph.Node.Count(n => n.OpType == "Conv"), graph.WeightParameters().Count(p => p.dim() == 4));
        var bad = QuantizationPlan.WithFloatHead(model, 0);
        bad.MetadataProps.Single(p => p.Key == QuantizationPlan.FloatHeadKey).Value = "first";
        Assert.Contains(QuantizationPlan.FloatHeadKey, Assert.Throws<ArgumentException>(() => QuantizationPlan.Of(bad)).Message);
    }

    /// <summary>
    /// A float head and a float tail together: every plan keeps a value rounded for all its readers or for none — what
    /// the head writes (and the network input) int8 nodes read is read by no float network node — and a pair of depths
    /// that would break that is refused by name (a tail reaching the second cell, which reads the stem, while the
    /// first cell, which reads it too, stays int8).
    /// </summary>
    [Fact]
    public void AFloatHeadAndTailTogether_RoundEachValueForAllItsReadersOrNone_OrAreRefused()
    {
        var task = RestorationTask.Denoise(25, 3);
        // the second cell reads the stem (two back) one convolution nearer the prediction than the first cell does
        var (model, _, _) = GraphOf(Fused(task, 2, (OperationNames.Conv3x3, OperationNames.None), (OperationNames.Conv3x3, OperationNames.Conv3x3),
            (OperationNames.Conv3x3, OperationNames.DilConv3x3)), task);
        var ranges = Calibrate(model, 3);
        var depth = QuantizationPlan.Of(model).Depth;
        var refused = 0;
        for (var head = 1; head <= 2; head++)
            for (var tail = 0; tail <= depth; tail++)
            {
                var graph = QuantizationPlan.WithFloatTail(QuantizationPlan.WithFloatHead(model, head), tail);
                QuantizationPlan plan;
                try { plan = QuantizationPlan.Of(graph); }
                catch (NotSupportedException e)
                {
                    Assert.Contains("read by float and by int8 nodes", e.Message);
                    refused++;
                    continue;
                }
                Assert.Empty(plan.Nodes.Intersect(plan.FloatHead).Concat(plan.Nodes.Intersect(plan.FloatTail)).Concat(plan.FloatHead.Intersect(plan.FloatTail)));
                var floatWritten = plan.FloatHead.SelectMany(i => model.Graph.Node[i].Output).Append(plan.NetworkInput).ToHashSet();
                var int8Reads = plan.Nodes.SelectMany(i => model.Graph.Node[i].Input).ToHashSet();
                var floatReads = plan.FloatHead.Concat(plan.FloatTail).SelectMany(i => model.Graph.Node[i].Input).ToHashSet();
                Assert.DoesNotContain(floatWritten, v => int8Reads.Contains(v) && floatReads.Contains(v));
                if (plan.Nodes.Count > 0)
                    Assert.Equal(plan.Activations.Count, QdqQuantizer.Quantize(graph, ranges).Graph.Node.Count(n => n.OpType == "QuantizeLinear"));
            }
        Assert.True(refused > 0, "no pair of a float head and tail was refused: the test graph no longer reads a state two back");
    }

    [Fact]
    public void ADenoisersResidualReadsTheImageRoundedAsItsNetworkReadsIt_AnUpscalersAsItCame()
    {
        NodeProto Producer(ModelProto m, string value) => m.Graph.Node.Single(n => n.Output.Contains(value));
        // a denoiser whose network reads the image: the residual reads the network's own dequantized image
        var task = RestorationTask.Denoise(25, 1);
        var (model, _, _) = EveryOpGraph(task);
        Assert.NotNull(QuantizationPlan.Of(model).RoundedResidual);
        var int8 = QdqQuantizer.Quantize(model, Calibrate(model, 1));
        var residual = int8.Graph.Node.Single(n => n.OpType == "Sub");
        var rounded = Producer(int8, residual.Input[0]);
        Assert.Equal(("DequantizeLinear", OnnxExporter.InputName), (rounded.OpType, Producer(int8, rounded.Input[0]).Input[0]));
        Assert.Contains(int8.Graph.Node, n => n.OpType == "Conv" && n.Input[0] == residual.Input[0]);
        Assert.EndsWith("_dq", residual.Input[1]);

        // told the noise: the image rounded on the grid of the network's input (image and level plane), the same scale and zero point
        var (told, ranges) = ToldGraph(RestorationTask.Denoise(25, 3));
        var plan = QuantizationPlan.Of(told);
        var toldInt8 = QdqQuantizer.Quantize(told, ranges);
        var toldResidual = toldInt8.Graph.Node[^1];
        Assert.Equal("Sub", toldResidual.OpType);
        var imageQ = Producer(toldInt8, Producer(toldInt8, toldResidual.Input[0]).Input[0]);
        var networkQ = toldInt8.Graph.Node.Single(n => n.OpType == "QuantizeLinear" && n.Input[0] == plan.NetworkInput);
        Assert.Equal((OnnxExporter.InputName, networkQ.Input[1], networkQ.Input[2]), (imageQ.Input[0], imageQ.Input[1], imageQ.Input[2]));

        // an upscaler's residual, the bicubic image, reads the image as it came
        var (sr, _, _) = EveryOpGraph(RestorationTask.SuperResolution(2, 3));
        Assert.Null(QuantizationPlan.Of(sr).RoundedResidual);
        var srInt8 = QdqQuantizer.Quantize(sr, Calibrate(sr, 3));
        Assert.Contains(srInt8.Graph.Node, n => n.OpType != "QuantizeLinear" && n.Input.Contains(OnnxExporter.InputName));
    }

    [Theory]
    [InlineData("denoise", 1, false)]
    [InlineData("sr", 2, false)] // the frame-time upscaler: its bicubic phases reshape the colours into the batch
    [InlineData("denoise", 2, true)] // fused cells: a Relu node after each Add
    public void FakeQuantizationComputesWhatTheInt8GraphComputes(string kind, int pixelUnshuffle, bool fused)
    {
        var task = kind == "denoise" ? RestorationTask.Denoise(25, 3) : RestorationTask.SuperResolution(2, 3);
        var (model, input, shape) = fused ? GraphOf(FusedConvolutions(task, pixelUnshuffle), task) : EveryOpGraph(task, pixelUnshuffle);
        if (fused) Assert.Contains(model.Graph.Node, n => n.OpType == "Relu");
        var ranges = Calibrate(model, 3);
        var int8 = Run(QdqQuantizer.Quantize(model, ranges).ToByteArray(), input, shape);
        var reference = Run(model.ToByteArray(), input, shape);
        using var graph = new FakeQuantizedGraph(model, ranges);
        var fake = RunFake(graph, input, shape);
        var floatError = Rms(reference, int8);
        Assert.True(floatError > 1e-4, $"the int8 graph equals the float one ({floatError:E2}): nothing was quantized");
        AssertRoundsAsInt8(fake, reference, int8, task.Slug);
        // and unchanged weights write back the same graph
        Assert.Equal(model.Graph.Initializer.Select(t => t.RawData), graph.ToModelProto().Graph.Initializer.Select(t => t.RawData));
    }

    [Fact]
    public void InOnnxRuntimesPrecisionMode_TheInt8GraphComputesWhatTheFakeQuantizationComputes()
    {
        // the mode every session takes where U8S8 products saturate (Int8Weights), asked for on any CPU: U8U8 products
        // where it changes them, the same products where it does not — the graph as it says either way
        var task = RestorationTask.Denoise(25, 3);
        var (model, input, shape) = GraphOf(FusedConvolutions(task, 2), task);
        var ranges = Calibrate(model, 3);
        var int8 = Run(QdqQuantizer.Quantize(model, ranges).ToByteArray(), input, shape, unsignedProducts: true);
        using var graph = new FakeQuantizedGraph(model, ranges);
        AssertRoundsAsInt8(RunFake(graph, input, shape), Run(model.ToByteArray(), input, shape, unsignedProducts: true), int8, "precision mode");
    }

    [Fact]
    public void LearnedRanges_StartAsCalibrated_MoveWithTheLoss_AndTheInt8GraphRoundsOverThemAsTheFakeOneDoes()
    {
        var task = RestorationTask.Denoise(25, 3);
        var (model, input, shape) = GraphOf(FusedConvolutions(task, 2), task);
        var ranges = Calibrate(model, 3);
        var reference = Run(model.ToByteArray(), input, shape);
        using var calibrated = new FakeQuantizedGraph(model, ranges);
        using var learned = new FakeQuantizedGraph(model, ranges, learnRanges: true);
        using var x = torch.tensor(input, shape.Select(d => (long)d).ToArray());
        float[] Fake(FakeQuantizedGraph graph)
        {
            using var noGrad = torch.no_grad();
            using var y = graph.call(x).contiguous();
            return y.data<float>().ToArray();
        }
        // one range per quantized activation but the network's input (the image's), starting as calibrated: the same
        // scales and zero points, the same rounding
        Assert.Empty(calibrated.RangeParameters());
        Assert.Equal(QuantizationPlan.Of(model).Activations.Count - 1, learned.RangeParameters().Count());
        foreach (var (name, range) in learned.Ranges()) Assert.Equal(Int8Scales.Activation(ranges[name]), Int8Scales.Activation(range));
        Assert.True(Matching(Fake(learned), Fake(calibrated)) > 0.9, "learned ranges at their start round as the calibrated ones");

        // the ranges alone, trained toward the float graph's output: the error falls and the ranges move
        using var target = torch.tensor(reference, shape.Select(d => (long)d).ToArray());
        double Loss()
        {
            using var noGrad = torch.no_grad();
            using var y = learned.call(x);
            return nn.functional.mse_loss(y, target).item<float>();
        }
        var before = Loss();
        using (var optimizer = torch.optim.Adam(learned.RangeParameters(), lr: 0.02))
            for (var step = 0; step < 30; step++)
            {
                optimizer.zero_grad();
                using var loss = nn.functional.mse_loss(learned.call(x), target);
                loss.backward();
                optimizer.step();
            }
        var after = Loss();
        Assert.True(after < before, $"the rounding error did not fall: {before:E3} → {after:E3}");
        var moved = learned.Ranges().Count(r => Math.Abs(Int8Scales.Activation(r.Value).Scale / Int8Scales.Activation(ranges[r.Key]).Scale - 1) > 0.01);
        Assert.True(moved > 0, "no range moved");
        using (var caller = torch.NewDisposeScope()) // reading the ranges and the weights leaves no tensor behind for the finalizer
        {
            _ = learned.Ranges();
            _ = learned.ToModelProto();
            Assert.Equal(0, caller.DisposablesCount);
        }
        Assert.All(learned.Ranges(), r => Assert.Equal(Int8Scales.Activation(ranges[r.Key]).ZeroPoint, Int8Scales.Activation(r.Value).ZeroPoint));
        var networkInput = QuantizationPlan.Of(model).NetworkInput;
        Assert.Equal(Int8Scales.Activation(ranges[networkInput]), Int8Scales.Activation(learned.Ranges()[networkInput]));

        // the int8 graph written over the learned ranges rounds as the fake graph does
        var int8 = Run(QdqQuantizer.Quantize(model, learned.Ranges()).ToByteArray(), input, shape);
        AssertRoundsAsInt8(Fake(learned), reference, int8, "learned ranges");
        Assert.True(Rms(int8, reference) < Rms(Run(QdqQuantizer.Quantize(model, ranges).ToByteArray(), input, shape), reference),
            "the int8 graph over the learned ranges is closer to float than over the calibrated ones");
    }

    [Fact]
    public void RoundingPassesGradientsInsideAValuesRangeAndNoneWhereItClips()
    {
        // a denoiser's output is rounded input − f(rounded input): where the input lies far outside its calibrated range
        // the network and the residual both read a clipped constant, so no gradient is left at those pixels; inside it,
        // the residual's 1 and the network's pass (RGB: oneDNN's channels-last gradient of a one-channel input is
        // refused on these CPUs)
        var task = RestorationTask.Denoise(25, 3);
        var (model, input, shape) = EveryOpGraph(task);
        using var graph = new FakeQuantizedGraph(model, Calibrate(model, 3));
        using var x = torch.tensor(input, shape.Select(d => (long)d).ToArray());
        using (torch.no_grad()) x.narrow(2, 0, 4).fill_(3.0f);
        x.requires_grad_(true);
        using var y = graph.call(x);
        using var total = y.sum();
        total.backward();
        using var grad = x.grad!.contiguous();
        var g = grad.data<float>().ToArray();
        var (height, width) = (shape[2], shape[3]);
        for (var c = 0; c < 3; c++)
        {
            var plane = g.Skip(c * height * width).Take(height * width).ToArray();
            Assert.All(plane.Take(4 * width), v => Assert.Equal(0f, v, 5));
            Assert.Contains(plane.Skip(8 * width), v => Math.Abs(v - 1) > 1e-3);
            Assert.True(plane.Skip(8 * width).Count(v => Math.Abs(v) > 1e-3) > plane.Length / 2 - 8 * width, "inside its range the input's gradients pass");
        }
    }

    [Fact]
    public void TuningTrainsTheNetworkButNotTheBicubicResidual()
    {
        var task = RestorationTask.SuperResolution(2, 3);
        var (model, _, _) = EveryOpGraph(task);
        using var graph = new FakeQuantizedGraph(model, Calibrate(model, 3));
        var bicubic = model.Graph.Node.Last(n => n.OpType == "Conv").Input[1]; // the residual's phase convolution comes last
        var floats = model.Graph.Initializer.Count(t => t.DataType == (int)TensorProto.Types.DataType.Float);
        Assert.Equal(floats - 1, graph.parameters().Count(p => p.requires_grad));
        Assert.Contains(model.Graph.Node.Where(n => n.OpType == "Conv").SkipLast(1), n => n.Input[1] != bicubic);
    }

    [Fact]
    public void CalibrationClipsHeavyTailsAndKeepsZero()
    {
        // Laplacian activations (heavy, exponential tails; scale 1): 100,000 of them reach about ±12
        var rng = new Random(3);
        var values = Enumerable.Range(0, 100_000).Select(_ => (float)(-Math.Log(1 - rng.NextDouble()) * (rng.Next(2) == 0 ? -1 : 1))).ToArray();
        var model = Identityish();
        var ranges = ActivationRanges.Calibrate(model, new[] { new OrtTensors.DenseTensor<float>(values, new[] { 1, 1, 1, values.Length }) });
        var range = ranges[OnnxExporter.InputName];
        // the least-squared-error clip of a Laplacian at 8 bits is near 10 scales (Banner et al., ACIQ): the thinnest tail
        // goes, a far sample pulls its own side out
        Assert.True(range.Max is > 8f and < 14f && range.Max < values.Max() - 1, $"max {range.Max} (extreme {values.Max()})");
        Assert.True(range.Min is < -8f and > -14f && range.Min > values.Min() + 1, $"min {range.Min} (extreme {values.Min()})");
        var positive = ActivationRanges.Calibrate(model, new[] { new OrtTensors.DenseTensor<float>(new[] { 0.5f, 0.75f, 1f }, new[] { 1, 1, 1, 3 }) })[OnnxExporter.InputName];
        Assert.Equal(0f, positive.Min);
        Assert.InRange((int)Int8Scales.Activation(new ValueRange(-1, 1)).ZeroPoint, 127, 128);
    }

    /// <summary>A one-node graph (LeakyRelu) for calibrating its input.</summary>
    private static ModelProto Identityish()
    {
        var graph = new GraphProto { Name = "leaky" };
        graph.Node.Add(new NodeProto { OpType = "LeakyRelu", Name = "leaky", Input = { OnnxExporter.InputName }, Output = { OnnxExporter.OutputName } });
        ValueInfoProto Value(string name) => new()
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = new TensorShapeProto { Dim = { new TensorShapeProto.Types.Dimension { DimParam = "n" }, new TensorShapeProto.Types.Dimension { DimValue = 1 }, new TensorShapeProto.Types.Dimension { DimParam = "h" }, new TensorShapeProto.Types.Dimension { DimParam = "w" } } } } },
        };
        graph.Input.Add(Value(OnnxExporter.InputName));
        graph.Output.Add(Value(OnnxExporter.OutputName));
        var model = new ModelProto { IrVersion = OnnxExporter.IrVersion, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Version = OnnxExporter.Opset });
        return model;
    }

    /// <summary>
    /// A channel of a ReLU's output far beyond the others (one convolution's output channel made 60× larger, its
    /// readers' weights of it 60× smaller: the same graph) is scaled down before calibration, the graph computing what
    /// it did, and every channel is then within the spread (equalizing again scales nothing).
    /// </summary>
    [Fact]
    public void AnOutlierChannel_IsScaledDown_AndTheGraphComputesTheSame()
    {
        var task = RestorationTask.Denoise(25, 3);
        var (model, input, shape) = GraphOf(FusedConvolutions(task, 2), task);
        var feeds = Enumerable.Range(0, 4).Select(i =>
        {
            using var x = torch.rand(new long[] { 1, 3, 32, 32 }, generator: new Generator((ulong)(200 + i)));
            return (IReadOnlyDictionary<string, OrtTensors.DenseTensor<float>>)new Dictionary<string, OrtTensors.DenseTensor<float>>
                { [OnnxExporter.InputName] = new(x.data<float>().ToArray(), new[] { 1, 3, 32, 32 }) };
        }).ToArray();
        (model, _) = OutlierChannels.Equalize(model, feeds); // the random start's own spread, if any
        var reference = Run(model.ToByteArray(), input, shape);

        var nodes = model.Graph.Node;
        NodeProto Writer(string value) => nodes.Single(n => n.Output.Contains(value));
        var relu = nodes.First(n => n.OpType == "Relu" && Writer(n.Input[0]).OpType == "Conv" && nodes.Where(r => r.Input.Contains(n.Output[0])).All(r => r.OpType == "Conv"));
        float[] Floats(string name) => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(model.Graph.Initializer.Single(t => t.Name == name).RawData.Span).ToArray();
        void Scale(string name, long along, long inner, float factor)
        {
            var values = Floats(name);
            for (var i = 0; i < values.Length; i++) if (i / inner % along == 0) values[i] *= factor;
            model.Graph.Initializer.Single(t => t.Name == name).RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        }
        var producer = Writer(relu.Input[0]);
        var weight = model.Graph.Initializer.Single(t => t.Name == producer.Input[1]);
        Scale(producer.Input[1], weight.Dims[0], weight.Dims[1] * weight.Dims[2] * weight.Dims[3], 60);
        if (producer.Input.Count > 2) Scale(producer.Input[2], weight.Dims[0], 1, 60);
        foreach (var reader in nodes.Where(r => r.Input.Contains(relu.Output[0])))
        {
            var w = model.Graph.Initializer.Single(t => t.Name == reader.Input[1]);
            Scale(reader.Input[1], w.Dims[1], w.Dims[2] * w.Dims[3], 1f / 60);
        }
        Assert.True(Rms(reference, Run(model.ToByteArray(), input, shape)) < 1e-5, "the outlier made changes what the graph computes");

        var (equalized, scaled) = OutlierChannels.Equalize(model, feeds);
        Assert.Equal(1, scaled);
        var error = Rms(reference, Run(equalized.ToByteArray(), input, shape));
        Assert.True(error < 1e-5, $"the equalized graph computes something else (RMS difference {error:E2})");
        Assert.Equal(0, OutlierChannels.Equalize(equalized, feeds).Scaled);
    }

    /// <summary>
    /// σ bands: graphs of one told denoiser rounded differently, joined, compute each band's graph exactly where the
    /// told σ falls in its band, and ONNX Runtime still runs every branch's convolutions in int8.
    /// </summary>
    [Fact]
    public void JoinedSigmaBands_RunTheGraphOfTheBandTheToldSigmaFallsIn_InInt8()
    {
        var task = RestorationTask.Denoise(25, 3);
        var (model, ranges) = ToldGraph(task);
        ModelProto Rounded(float widen) => QdqQuantizer.Quantize(model, ranges.ToDictionary(r => r.Key, r => new ValueRange(r.Value.Min * widen, r.Value.Max * widen)));
        var bands = new[] { Rounded(1), Rounded(1.5f), Rounded(3) };
        var joined = SigmaBands.Join(bands, new[] { 15.0, 35.0 });

        var shape = new[] { 1, 3, 24, 20 };
        using var x = torch.rand(shape.Select(d => (long)d).ToArray(), generator: new Generator(11));
        var input = x.data<float>().ToArray();
        var path = Path.Combine(Path.GetTempPath(), $"hinas-int8-{Guid.NewGuid():N}.onnx");
        try
        {
            foreach (var (sigma, band) in new[] { (5.0, 0), (14.9, 0), (15.0, 1), (25.0, 1), (35.0, 2), (50.0, 2) })
            {
                var expected = RunTold(bands[band].ToByteArray(), input, shape, sigma);
                Assert.Equal(expected, RunTold(joined.ToByteArray(), input, shape, sigma, optimizedPath: path));
                var other = RunTold(bands[(band + 1) % 3].ToByteArray(), input, shape, sigma);
                Assert.True(Rms(expected, other) > 0, $"σ {sigma}: the bands' graphs compute the same, so the test tells nothing");
            }
            // the optimized graph keeps every band's convolutions in int8 (inside the If branches)
            static IEnumerable<NodeProto> Nodes(GraphProto graph) =>
                graph.Node.SelectMany(n => new[] { n }.Concat(n.Attribute.Where(a => a.G is not null).SelectMany(a => Nodes(a.G))));
            var optimized = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
            Assert.Equal(3 * model.Graph.Node.Count(n => n.OpType == "Conv"), Nodes(optimized.Graph).Count(n => n.OpType == "QLinearConv"));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void SigmaBands_CutTheNoiseRange_AtTheBoundariesInsideIt()
    {
        Assert.Equal(new[] { (0.0, 20.0), (20.0, 35.0), (35.0, 50.0) }, SigmaBands.Cut((0, 50), new[] { 20.0, 35 }));
        Assert.Equal(new[] { (0.0, 20.0), (20.0, 30.0) }, SigmaBands.Cut((0, 30), new[] { 20.0, 35 }));
        Assert.Equal(new[] { (10.0, 30.0) }, SigmaBands.Cut((10, 30), new[] { 5.0, 30 }));
        Assert.Equal(new[] { (0.0, 50.0) }, SigmaBands.Cut((0, 50), Array.Empty<double>()));
        Assert.Equal(new[] { 10.0, 20, 30, 40 }, new Int8Settings().SigmaBoundaries());
        Assert.Empty(new Int8Settings { SigmaBands = "" }.SigmaBoundaries());
        Assert.Equal("int8_sigma_bands", Assert.Throws<SettingException>(() => new Int8Settings { SigmaBands = "35,20" }.Validate()).Setting);
        Assert.Contains("'x'", Assert.Throws<SettingException>(() => new Int8Settings { SigmaBands = "20,x" }.Validate()).Message);
    }

    /// <summary>
    /// A denoiser told the noise over σ 0–50 exports one int8 graph per band (boundaries 20 and 35), each tuned, and the
    /// package serves: the manifest counts the bands and records each one's kept step, and a σ asked for a band that a
    /// measured float tail would make its own is refused, naming the setting.
    /// </summary>
    [Fact]
    public void ExportInt8OfADenoiserToldTheNoise_MakesOneGraphPerSigmaBand_AndServes()
    {
        var task = RestorationTask.Denoise(25, 1);
        var root = Path.Combine(Path.GetTempPath(), $"hinas-int8-{Guid.NewGuid():N}");
        try
        {
            var run = Path.Combine(root, "train");
            Trainer.Run(new TrainOptions
            {
                Task = task, Architecture = new ArchitectureSpec { Kind = ArchitectureSpec.DnCnnKind, Depth = 3, Width = 8 }, NoiseMap = true, NoiseSigmaRange = new[] { 0.0, 50 },
                Data = new DataSpec { DeadLeavesCount = 8, DeadLeavesSize = 48 }, Iterations = 20, Batch = 4, Crop = 24, LearningRate = 2e-3, ValidateEvery = 10, Seed = 3,
            }, run);
            var settings = new Int8Settings { CalibrationCrops = 4, TuningSteps = 2, ValidateEvery = 2, Crop = 24, Batch = 2, ValidationCrop = 32, ToleranceDb = 100, SigmaBands = "20,35" };
            var lines = new List<string>();
            var result = ModelExport.FromTrainingRun(run, Path.Combine(root, "package"), int8: settings, progress: new Reporter(lines.Add));
            Assert.Equal(new[] { "σ band 0–20", "σ band 20–35", "σ band 35–50" }, lines.Where(l => l.StartsWith("σ band")));
            var metrics = result.Package.Manifest.Metrics!;
            Assert.Equal(3, metrics["int8_sigma_bands"]);
            Assert.All(Enumerable.Range(0, 3), i => Assert.InRange(metrics[$"int8_tuning_steps_band_{i}"], 0, 2));
            var written = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(result.Package.Folder, "model.onnx")));
            Assert.Equal("If", written.Graph.Node.Last().OpType);
            Assert.Equal("20,35", ModelPackage.Load(result.Package.Folder).Manifest.Quantization!["sigma_bands"]!.GetValue<string>());

            using var served = RestorationModel.Open(ModelPackage.Load(result.Package.Folder), optimization: GraphOptimization.Extended);
            foreach (var sigma in new[] { 10.0, 40.0 })
            {
                var restored = InferenceEngine.Restore(served, new HiNas.Imaging.Pixels.PlanarImage(1, 17, 23, Enumerable.Repeat(0.5f, 17 * 23).ToArray()), sigma);
                Assert.All(restored.Data, v => Assert.InRange(v, 0.2f, 0.8f));
            }

            var measured = Assert.Throws<SettingException>(() => ModelExport.FromTrainingRun(run, Path.Combine(root, "measured"), int8: settings with { FloatTail = null }));
            Assert.Equal("int8_float_tail", measured.Setting);
        }
        finally { if (Directory.Exists(root)) Directory.Delete(root, recursive: true); }
    }

    [Fact]
    public void ExportInt8WritesAServablePackageWithBothScores()
    {
        var task = RestorationTask.Denoise(25, 1);
        var root = Path.Combine(Path.GetTempPath(), $"hinas-int8-{Guid.NewGuid():N}");
        try
        {
            var run = Path.Combine(root, "train");
            Trainer.Run(new TrainOptions
            {
                Task = task, Architecture = new ArchitectureSpec { Kind = ArchitectureSpec.DnCnnKind, Depth = 4, Width = 12 },
                Data = new DataSpec { DeadLeavesCount = 8, DeadLeavesSize = 48 }, Iterations = 30, Batch = 4, Crop = 24, LearningRate = 2e-3, ValidateEvery = 15, Seed = 3,
            }, run);
            var settings = new Int8Settings { CalibrationCrops = 4, TuningSteps = 6, ValidateEvery = 3, Crop = 24, Batch = 2, ValidationCrop = 32, ToleranceDb = 3, FloatTail = null, FloatHead = 1, RangeLearningRate = 1e-3 };
            var lines = new List<string>();
            var result = ModelExport.FromTrainingRun(run, Path.Combine(root, "package"), int8: settings, progress: new Reporter(lines.Add));
            var manifest = result.Package.Manifest;
            Assert.Equal(ModelPrecision.Int8, manifest.Precision);
            Assert.InRange(manifest.Metrics!["float_validation_psnr"] - manifest.Metrics["int8_validation_psnr"], -3, 3);
            Assert.Contains(lines, l => l.StartsWith("int8 tuning step 3/6: learning rates ×0.750,"));
            Assert.Contains(lines, l => l.StartsWith("int8 tuning step 6/6: learning rates ×0.067,"));
            // asked to, the float tail is chosen by measurement, from none upwards, and recorded
            Assert.Contains(lines, l => l.StartsWith("int8 with the last 0 convolutions float"));
            var written = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(result.Package.Folder, "model.onnx")));
            double Metadata(string key) => double.Parse(written.MetadataProps.Single(p => p.Key == key).Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(manifest.Metrics["int8_float_tail"], Metadata(QuantizationPlan.FloatTailKey));
            // and the float head asked for, the network reading the image as it came
            Assert.Equal(1, manifest.Metrics["int8_float_head"]);
            Assert.Equal(1, Metadata(QuantizationPlan.FloatHeadKey));
            Assert.DoesNotContain(written.Graph.Node, n => n.OpType == "QuantizeLinear" && n.Input[0] == OnnxExporter.InputName);

            var package = ModelPackage.Load(result.Package.Folder);
            Assert.Equal(ModelPrecision.Int8, package.Manifest.Precision);
            // how it was made: the settings read back from the manifest are the export's, the float tail as measured
            var recorded = package.Manifest.Quantization!.Deserialize<Int8Settings>(HiNas.Nas.Runs.JsonLines.Options)!;
            Assert.Equal(settings with { FloatTail = (int)manifest.Metrics["int8_float_tail"] }, recorded);
            // and settings asking for the tail to be measured read back so (null, not the default 0)
            Assert.Null(JsonSerializer.Deserialize<Int8Settings>(HiNas.Nas.Runs.RunFiles.ToJson(settings), HiNas.Nas.Runs.JsonLines.Options)!.FloatTail);
            Assert.Equal(6, (int)package.Manifest.Quantization!["tuning_steps"]!);
            using var served = RestorationModel.Open(package, optimization: GraphOptimization.Extended);
            var restored = InferenceEngine.Restore(served, new HiNas.Imaging.Pixels.PlanarImage(1, 17, 23, Enumerable.Repeat(0.5f, 17 * 23).ToArray()));
            Assert.All(restored.Data, v => Assert.InRange(v, 0.3f, 0.7f));
        }
        finally { if (Directory.Exists(root)) Directory.Delete(root, recursive: true); }
    }

    [Fact]
    public void AnInt8GraphFurtherUnderFloatThanTheTolerance_IsRefused_NamingTheSettingsThatDecide()
    {
        ModelExport.RequireInt8Parity(30.0, 29.95, 0.1);
        ModelExport.RequireInt8Parity(30.0, 30.2, 0); // better than float: nothing to refuse
        var error = Assert.Throws<InvalidOperationException>(() => ModelExport.RequireInt8Parity(30.0, 29.75, 0.1, " at σ 5"));
        Assert.Contains("29.750 dB on the validation images at σ 5, 0.250 dB under the float graph's 30.000 dB (tolerance 0.1 dB)", error.Message);
        Assert.Contains("the package was not written", error.Message);
        Assert.Contains("int8_tolerance_db", error.Message);
        Assert.Contains("int8_float_tail", error.Message);
    }

    [Fact]
    public void Int8SettingsNameWhatIsWrong()
    {
        var error = Assert.Throws<SettingException>(() => new Int8Settings { ToleranceDb = -1 }.Validate());
        Assert.Contains("int8_tolerance_db", error.Message);
        error = Assert.Throws<SettingException>(() => new Int8Settings { TuningSteps = -5 }.Validate());
        Assert.Contains("int8_tuning_steps", error.Message);
        error = Assert.Throws<SettingException>(() => new Int8Settings { FloatTail = -1 }.Validate());
        Assert.Contains("int8_float_tail", error.Message);
        error = Assert.Throws<SettingException>(() => new Int8Settings { FloatHead = -1 }.Validate());
        Assert.Contains("int8_float_head", error.Message);
        error = Assert.Throws<SettingException>(() => new Int8Settings { RangeLearningRate = -1e-3 }.Validate());
        Assert.Contains("int8_range_learning_rate", error.Message);
        error = Assert.Throws<SettingException>(() => new Int8Settings { Schedule = "linear" }.Validate());
        Assert.Contains("int8_schedule", error.Message);
    }

    [Fact]
    public void ACosineTuningStartsAtTheRatesAndEndsNearZero_AConstantOneKeepsThem()
    {
        var cosine = new Int8Settings { TuningSteps = 100, Schedule = Int8Settings.CosineSchedule };
        Assert.Equal(1, cosine.LearningRateFactorAt(1), 12);
        Assert.Equal(0.5, cosine.LearningRateFactorAt(51), 12);
        Assert.InRange(cosine.LearningRateFactorAt(100), 0, 1e-3);
        Assert.All(new[] { 1, 51, 100 }, step => Assert.Equal(1, new Int8Settings { TuningSteps = 100, Schedule = Int8Settings.ConstantSchedule }.LearningRateFactorAt(step)));
    }

    [Fact]
    public void AGraphWithoutItsPredictionIsRefusedByName()
    {
        var model = Identityish();
        var error = Assert.Throws<ArgumentException>(() => QuantizationPlan.Of(model));
        Assert.Contains(QdqQuantizer.PredictionKey, error.Message);
    }
}

/// <summary>Progress reported on the calling thread.</summary>
internal sealed class Reporter(Action<string> report) : IProgress<string>
{
    public void Report(string value) => report(value);
}
