using Google.Protobuf;
using HiNas.Imaging.Tasks;
using HiNas.Inference.Engine;
using HiNas.Nas.Genotypes;
using HiNas.Nas.Latency;
using HiNas.Nas.Settings;
using HiNas.Nas.Space;
using HiNas.Onnx.Export;
using HiNas.Onnx.Latency;
using HiNas.Onnx.Proto;
using HiNas.Search.Networks;
using HiNas.Search.Runtime;
using HiNas.Search.Supernets;

namespace HiNas.Onnx.Tests;

/// <summary>Latency tables in int8: each part and whole network timed as the int8 export runs it (real ONNX Runtime, tiny sizes).</summary>
public class Int8LatencyTests
{
    public Int8LatencyTests() => TorchRuntime.EnsureInitialized();

    /// <summary>A fused frame-time space as the fused presets offer it (no skip: its per-channel Mul has no int8 form), widths 8 and 16.</summary>
    private static readonly SupernetConfig Fused = new()
    {
        Task = RestorationTask.Denoise(25, 3), Layers = 3, Blocks = 1, Filters = 8, StemChannels = 8, PixelUnshuffle = 2,
        WidthFactors = new[] { 1.0, 2.0 }, Form = CellForm.Fused, Candidates = OperationSet.Parse("conv_3x3,dil_conv_3x3,none"),
    };

    [Fact]
    public void AnInt8Table_PricesTheSamePartsAsAFloatOne_RecordsItsPrecision_AndJudgesNetworksInInt8()
    {
        var int8 = LatencyProfiler.Profile(Fused.Space, 24, 16, repeats: 3, precision: ModelPrecision.Int8);
        var float32 = LatencyProfiler.Profile(Fused.Space, 24, 16, repeats: 3);
        Assert.Equal(ModelPrecision.Int8, int8.Precision);
        Assert.Equal(ModelPrecision.Float32, float32.Precision);
        Assert.Equal(float32.Milliseconds.Keys.Order(), int8.Milliseconds.Keys.Order());
        Assert.All(int8.Milliseconds.Values, ms => Assert.True(ms > 0 && ms < 1000));

        var dir = Directory.CreateTempSubdirectory("int8-table-").FullName;
        var path = Path.Combine(dir, "table.json");
        int8.Save(path);
        Assert.Equal(ModelPrecision.Int8, LatencyTable.Load(path).Precision);
        // a table written before precisions were recorded is float32; an unknown precision is named
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"precision\": \"int8\"", "\"precision\": \"int4\""));
        Assert.Contains("precision 'int4'", Assert.Throws<InvalidDataException>(() => LatencyTable.Load(path)).Message);
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"precision\": \"int4\",", ""));
        Assert.Equal(ModelPrecision.Float32, LatencyTable.Load(path).Precision);

        // a budget's verdict on an int8 table is measured in int8: the whole network, as its int8 export runs it
        var genotype = RandomGenotype.Sample(Fused.Space, 3);
        Assert.InRange(MeasuredBudget.MeasurerFor(int8)!(genotype), 1e-3, 1e4);
        Assert.Throws<ArgumentException>(() => LatencyProfiler.Profile(Fused.Space, 24, 16, repeats: 1, precision: "int4"));
    }

    /// <summary>Spaces whose parts the int8 profile writes differently: one node (the stem's one output), two nodes with projections (a stem of two outputs, a concatenation), an upscaler (a float bicubic residual), the paper's form (LeakyReLU, plain skips).</summary>
    public static TheoryData<string> Spaces => new() { "fused", "fused-two-nodes", "fused-sr", "paper" };

    private static SupernetConfig SpaceNamed(string name) => name switch
    {
        "fused" => Fused,
        "fused-two-nodes" => Fused with { Blocks = 2, StemChannels = 4 },
        "fused-sr" => Fused with { Task = RestorationTask.SuperResolution(2, 3), HeadConv = ConvStyle.Separable },
        _ => new SupernetConfig { Task = RestorationTask.Denoise(25, 1), Layers = 2, Blocks = 2, Filters = 4, StemChannels = 8 },
    };

    [Theory]
    [MemberData(nameof(Spaces))]
    public void EveryInt8Part_RunsInOnnxRuntimesInt8Kernels_ReadingAndWritingUint8(string name)
    {
        var space = SpaceNamed(name).Space;
        foreach (var (key, part) in LatencyProfiler.Parts(space))
        {
            var graph = LatencyProfiler.TimedGraph(key, part, ModelPrecision.Int8);
            foreach (var input in part.Inputs)
            {
                // the values the network computed arrive channels last, as ONNX Runtime's int8 kernels pass them on
                var given = graph.Graph.Input.Single(i => i.Name == (input.Image ? input.Name : Int8Timing.ChannelsLastName(input.Name))).Type.TensorType;
                Assert.Equal(input.Image ? TensorProto.Types.DataType.Float : TensorProto.Types.DataType.Uint8, (TensorProto.Types.DataType)given.ElemType);
                if (!input.Image) Assert.Equal(input.Channels, given.Shape.Dim[3].DimValue);
            }
            // a head leaves the restored image (float, after the residual); every other part the uint8 its next part reads
            var leaves = key.Contains("head", StringComparison.Ordinal) ? TensorProto.Types.DataType.Float : TensorProto.Types.DataType.Uint8;
            Assert.All(graph.Graph.Output, o => Assert.Equal(leaves, (TensorProto.Types.DataType)o.Type.TensorType.ElemType));
            // every convolution the int8 export computes in int8 runs as a QLinearConv; only those outside it (an
            // upscaler's bicubic residual) stay float
            var built = part.Build();
            var plan = Int8Timing.PlanOf(built, part.Inputs);
            var int8Convolutions = plan.Nodes.Count(i => built.Graph.Node[i].OpType == "Conv");
            var optimized = Optimized(graph.ToByteArray());
            Assert.True(int8Convolutions == optimized.Count(op => op == "QLinearConv"), $"{key}: {string.Join(", ", optimized)}");
            Assert.Equal(built.Graph.Node.Count(n => n.OpType == "Conv") - int8Convolutions, optimized.Count(op => op is "Conv" or "FusedConv"));
            if (key.Contains("add:", StringComparison.Ordinal)) Assert.Contains("QLinearAdd", optimized);
            // an operation or a sum of the fused cells times no layout change where ONNX Runtime computes channels last
            // (the layout level): between two int8 convolutions a network runs none
            if (key.StartsWith("fop:", StringComparison.Ordinal) || key.StartsWith("fadd:", StringComparison.Ordinal))
            {
                var channelsLast = Optimized(graph.ToByteArray(), GraphOptimization.All);
                Assert.True(!channelsLast.Contains("Transpose"), $"{key}: {string.Join(", ", channelsLast)}");
            }
            if (key.StartsWith("concat", StringComparison.Ordinal)) Assert.Contains("QLinearConcat", optimized);
        }
    }

    [Fact]
    public void AWholeNetworkJudgedAgainstAnInt8Table_IsTimedInInt8_ANetworkWithoutAnInt8FormIsRefusedByName()
    {
        // a fused skip (a per-channel Mul) has no int8 form: timed in float32 it runs, in int8 the quantization refuses it
        var withSkip = Fused with { Candidates = OperationSet.Parse("conv_3x3,skip_connect,none") };
        var skip = new CellGenotype(new[] { new CellEdge(OperationNames.Skip, 0), new CellEdge(OperationNames.Conv3x3, 1) });
        var genotype = new Genotype(withSkip.Space, Enumerable.Repeat(skip, withSkip.Layers).ToArray(), new int[withSkip.Layers]);
        var table = LatencyProfiler.Profile(withSkip.Space, 24, 16, repeats: 1);
        Assert.InRange(MeasuredBudget.MeasurerFor(table)!(genotype), 1e-3, 1e4);
        var refused = Assert.Throws<NotSupportedException>(() => MeasuredBudget.MeasurerFor(table with { Precision = ModelPrecision.Int8 })!(genotype));
        Assert.Contains("no int8 form", refused.Message);
        Assert.Contains(ModelPrecision.Float32, refused.Message);
    }

    [Fact]
    public void AWholeNetworkTimedInInt8_IsItsInt8ExportsGraph_AndAnInt8GraphIsTimedAsItIs()
    {
        var genotype = RandomGenotype.Sample(Fused.Space, 5);
        using var network = TorchRuntime.Seeded(1, () => new DerivedNetwork(genotype));
        network.eval();
        var onnx = OnnxExporter.ExportBytes(network, genotype.Task);
        var int8 = Int8Timing.Network(onnx, genotype.Task.Channels);
        var optimized = Optimized(int8);
        var convolutions = ModelProto.Parser.ParseFrom(onnx).Graph.Node.Count(n => n.OpType == "Conv");
        Assert.Equal(convolutions, optimized.Count(op => op == "QLinearConv"));
        Assert.DoesNotContain("Conv", optimized);
        Assert.Same(int8, Int8Timing.Network(int8, genotype.Task.Channels));
        Assert.InRange(LatencyProfiler.TimeNetwork(onnx, genotype.Task.Channels, 24, 16, repeats: 3, precision: ModelPrecision.Int8), 1e-3, 1e4);
    }

    [Fact]
    public void AnInt8Table_RefusesASpaceWithAnOperationTheInt8ExportDoesNotQuantize_NamingThePart()
    {
        var withSkip = Fused with { Candidates = OperationSet.Parse("conv_3x3,skip_connect,none") };
        var refused = Assert.Throws<NotSupportedException>(() => LatencyProfiler.Profile(withSkip.Space, 24, 16, repeats: 1, precision: ModelPrecision.Int8));
        Assert.Contains("skip", refused.Message);
        Assert.Contains("--operations", refused.Message);
    }

    /// <summary>The operator types of <paramref name="onnx"/> as ONNX Runtime runs it (the extended level every timing level includes).</summary>
    private static string[] Optimized(byte[] onnx, GraphOptimization level = GraphOptimization.Extended)
    {
        var path = Path.Combine(Path.GetTempPath(), $"optimized-{Guid.NewGuid():N}.onnx");
        try
        {
            using (GraphOptimizer.Open(ModelSource.Memory(onnx), level, o => o.OptimizedModelFilePath = path).Session) { }
            return ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)).Graph.Node.Select(n => n.OpType).ToArray();
        }
        finally
        {
            File.Delete(path);
        }
    }
}
