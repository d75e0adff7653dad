using Google.Protobuf;
using HiNas.Imaging.Tasks;
using HiNas.Onnx.Proto;
using HiNas.Search.Baselines;
using HiNas.Search.Cells;
using HiNas.Search.Networks;
using HiNas.Search.Operations;
using TorchSharp;
using static TorchSharp.torch;
using HiNas.Nas.Settings;

namespace HiNas.Onnx.Export;

/// <summary>
/// Writes a trained network (a <see cref="DerivedNetwork"/> or a baseline) as an ONNX model, opset 17, IR 8,
/// with every BatchNorm folded into the convolution before it (eval-mode statistics).
/// <para>Graph interface: input <c>input</c>, float32 NCHW [batch, C, height, width] with values in [0, 1];
/// output <c>output</c>, float32 NCHW [batch, C, height·s, width·s] (s = 1 for denoising); batch, height and
/// width are dynamic. Nothing is clipped: callers clamp to [0, 1] when they convert back to 8 bits.</para>
/// </summary>
public static class OnnxExporter
{
    public const string InputName = "input";
    public const string OutputName = "output";
    public const int Opset = 17;
    public const int IrVersion = 8;

    public static ModelProto Export(nn.Module<Tensor, Tensor> network, RestorationTask task, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var g = new OnnxGraphBuilder();
        var prediction = network switch
        {
            DerivedNetwork derived => Derived(g, derived),
            DnCnn dncnn => Layers(g, dncnn.Layers, InputName),
            Espcn espcn => g.PixelShuffle(Layers(g, espcn.Layers, InputName), task.Scale),
            Fsrcnn fsrcnn => g.PixelShuffle(Layers(g, fsrcnn.Layers, InputName), task.Scale),
            _ => throw new NotSupportedException($"{network.GetType().Name} has no ONNX exporter"),
        };
        if (network is IRestorationNetwork { Task: var netTask } && netTask != task)
            throw new ArgumentException($"the network was built for {netTask.Slug}, not {task.Slug}");

        if (task.Kind == RestorationKind.Denoise) g.Sub(InputName, prediction);
        else g.Add(g.BicubicUpsample(InputName, task.Scale), prediction);
        g.Graph.Node[^1].Output[0] = OutputName; // the residual is the last node; its value is the graph output

        g.Graph.Input.Add(OnnxGraphBuilder.ImageValue(InputName, task.Channels, "height", "width"));
        g.Graph.Output.Add(OnnxGraphBuilder.ImageValue(OutputName, task.Channels, task.Scale == 1 ? "height" : "out_height", task.Scale == 1 ? "width" : "out_width"));
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "HiNas.Realtime",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "0",
            Graph = g.Graph,
            DocString = $"{task.Slug}: input NCHW float [0,1] named '{InputName}', output '{OutputName}'",
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        model.MetadataProps.Add(new StringStringEntryProto { Key = "hinas.task", Value = task.Slug });
        foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return model;
    }

    public static byte[] ExportBytes(nn.Module<Tensor, Tensor> network, RestorationTask task, IReadOnlyDictionary<string, string>? metadata = null) =>
        Export(network, task, metadata).ToByteArray();

    private static string Derived(OnnxGraphBuilder g, DerivedNetwork network)
    {
        var stem = network.StemModule;
        var h = g.LeakyRelu(g.Conv(InputName, FoldedConv.From(stem.Conv, stem.Norm)), ReluConvBn.Slope);
        string previous = g.Conv(h, FoldedConv.From(stem.ToS0)), beforePrevious = g.Conv(h, FoldedConv.From(stem.ToS1));
        for (var l = 0; l < network.Cells.Count; l++)
        {
            var s0 = Operation(g, network.Preprocess0[l], previous);
            var s1 = Operation(g, network.Preprocess1[l], beforePrevious);
            (beforePrevious, previous) = (previous, Cell(g, network.Cells[l], s0, s1));
        }
        var head = network.Head;
        var y = g.Conv(g.LeakyRelu(previous, ReluConvBn.Slope), FoldedConv.From(head.Conv));
        return head.Scale == 1 ? y : g.PixelShuffle(y, head.Scale);
    }

    private static string Cell(OnnxGraphBuilder g, DerivedCell cell, string s0, string s1)
    {
        var states = new List<string> { s0, s1 };
        for (var node = 0; node < cell.Genotype.Blocks; node++)
        {
            var (first, second) = cell.Genotype.Node(node);
            var a = Operation(g, cell.Ops[2 * node], states[first.Input]);
            var b = Operation(g, cell.Ops[2 * node + 1], states[second.Input]);
            states.Add(g.Add(a, b));
        }
        return g.Concat(states.Skip(2));
    }

    /// <summary>
    /// A graph of one part of a network (for latency profiling): the named inputs (float32 NCHW, batch 1, dynamic
    /// height and width) go through <paramref name="body"/>, whose results are the graph outputs.
    /// </summary>
    internal static ModelProto Part(IReadOnlyList<(string Name, int Channels)> inputs, Func<OnnxGraphBuilder, IReadOnlyList<string>, IReadOnlyList<(string Name, int Channels)>> body)
    {
        var g = new OnnxGraphBuilder();
        foreach (var (name, channels) in inputs) g.Graph.Input.Add(OnnxGraphBuilder.ImageValue(name, channels, "height", "width"));
        foreach (var (name, channels) in body(g, inputs.Select(i => i.Name).ToArray()))
            g.Graph.Output.Add(OnnxGraphBuilder.ImageValue(name, channels, "out_height", "out_width"));
        var model = new ModelProto { IrVersion = IrVersion, ProducerName = "HiNas.Realtime", Graph = g.Graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        return model;
    }

    /// <summary>One operation of the search space (the same table as training).</summary>
    internal static string Operation(OnnxGraphBuilder g, nn.Module<Tensor, Tensor> op, string x) => op switch
    {
        ReluConvBn unit => g.Conv(g.LeakyRelu(x, ReluConvBn.Slope), FoldedConv.From(unit.Conv, unit.Norm)),
        DilatedConv unit => g.Conv(g.Conv(g.LeakyRelu(x, ReluConvBn.Slope), FoldedConv.From(unit.Depthwise)), FoldedConv.From(unit.Pointwise, unit.Norm)),
        SeparableConv sep => Operation(g, sep.Second, Operation(g, sep.First, x)),
        Identity => x,
        _ => throw new NotSupportedException($"operation {op.GetType().Name} has no ONNX exporter"),
    };

    /// <summary>A plain stack of layers: each Conv2d (with the BatchNorm right after it folded in) and LeakyReLU.</summary>
    private static string Layers(OnnxGraphBuilder g, IEnumerable<(string Name, nn.Module Layer)> layers, string x)
    {
        var list = layers.Select(l => l.Layer).ToList();
        for (var i = 0; i < list.Count; i++)
        {
            switch (list[i])
            {
                case TorchSharp.Modules.Conv2d conv:
                    var norm = i + 1 < list.Count ? list[i + 1] as ScalarFreeBatchNorm2d : null;
                    x = g.Conv(x, FoldedConv.From(conv, norm));
                    if (norm is not null) i++;
                    break;
                case TorchSharp.Modules.LeakyReLU relu:
                    x = g.LeakyRelu(x, relu.negative_slope);
                    break;
                default:
                    throw new NotSupportedException($"layer {list[i].GetType().Name} has no ONNX exporter");
            }
        }
        return x;
    }
}
