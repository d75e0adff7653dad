using Google.Protobuf;
using HiNas.Imaging.Tasks;
using HiNas.Inference.Packages;
using HiNas.Onnx.Proto;
using HiNas.Search.Baselines;
using HiNas.Search.Cells;
using HiNas.Search.Networks;
using HiNas.Search.Operations;
using TorchSharp;
using static TorchSharp.torch;
using HiNas.Nas.Settings;
using HiNas.Onnx.Quantization;

namespace HiNas.Onnx.Export;

/// <summary>
/// Writes a trained network (a <see cref="DerivedNetwork"/> or a baseline) as an ONNX model, opset 17, IR 8: the
/// network emits its own graph (<see cref="IRestorationNetwork.EmitPrediction"/>, BatchNorm folded into the convolution
/// before it, eval-mode statistics) into an <see cref="OnnxGraphBuilder"/>, and the task's residual closes it.
/// <para>Graph interface: input <c>input</c>, float32 NCHW [batch, C, height, width] with values in [0, 1];
/// output <c>output</c>, float32 NCHW [batch, C, height·s, width·s] (s = 1 for denoising); batch, height and
/// width are dynamic. Nothing is clipped: callers clamp to [0, 1] when they convert back to 8 bits. A denoiser told
/// the noise (<see cref="IRestorationNetwork.NoiseMap"/>) has a second input, <c>noise_level</c>, float32
/// [1, 1, 1, 1] = σ/255, which the graph spreads into the plane after the image's.</para>
/// </summary>
public static class OnnxExporter
{
    public const string InputName = "input";
    public const string OutputName = "output";
    public const int Opset = 17;
    public const int IrVersion = 8;

    public static ModelProto Export(nn.Module<Tensor, Tensor> network, RestorationTask task, IReadOnlyDictionary<string, string>? metadata = null)
    {
        if (network is not IRestorationNetwork restoration) throw new NotSupportedException($"{network.GetType().Name} has no ONNX exporter (it is not a restoration network)");
        if (restoration.Task != task) throw new ArgumentException($"the network was built for {restoration.Task.Slug}, not {task.Slug}");
        using var scope = EmitScope();
        var g = new OnnxGraphBuilder();
        var networkInput = restoration.NoiseMap ? g.WithNoiseLevelPlane(InputName, NoiseLevelMap.InputName) : InputName;
        var prediction = restoration.EmitPrediction(g, networkInput);
        TaskResidual.Emit(g, task, InputName, prediction);
        g.Graph.Node[^1].Output[0] = OutputName; // the residual is the last node; its value is the graph output

        g.Graph.Input.Add(OnnxGraphBuilder.ImageValue(InputName, task.Channels, "height", "width"));
        if (restoration.NoiseMap) g.Graph.Input.Add(OnnxGraphBuilder.ScalarValue(NoiseLevelMap.InputName));
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
        // what int8 quantization keeps apart: the network computes in int8, what builds its input (the noise-level plane)
        // and the residual around it stay float
        model.MetadataProps.Add(new StringStringEntryProto { Key = QdqQuantizer.PredictionKey, Value = prediction.Value });
        model.MetadataProps.Add(new StringStringEntryProto { Key = QdqQuantizer.NetworkInputKey, Value = networkInput });
        model.MetadataProps.Add(new StringStringEntryProto { Key = QdqQuantizer.PrecisionKey, Value = ModelPrecision.Float32 });
        foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return model;
    }

    /// <summary>
    /// The multiple the sides of an exported graph's input must be (a frame-time network's SpaceToDepth block size; 1
    /// for a graph without one) — a model package's input multiple.
    /// </summary>
    /// <summary>Whether an exported graph is told the noise: it has the <see cref="NoiseLevelMap.InputName"/> input.</summary>
    public static bool TakesNoiseLevel(ModelProto model) => model.Graph.Input.Any(i => i.Name == NoiseLevelMap.InputName);

    public static int InputMultiple(ModelProto model) => model.Graph.Node
        .Where(n => n.OpType == "SpaceToDepth")
        .Select(n => (int)(n.Attribute.FirstOrDefault(a => a.Name == "blocksize")?.I ?? 1))
        .DefaultIfEmpty(1).Max();

    public static byte[] ExportBytes(nn.Module<Tensor, Tensor> network, RestorationTask task, IReadOnlyDictionary<string, string>? metadata = null) =>
        Export(network, task, metadata).ToByteArray();

    /// <summary>
    /// Where the tensors an export makes while it reads the weights (detached copies, casts, products of factored
    /// convolutions) live: disposed on this thread when the graph is written, none left to the finalizer thread.
    /// TorchSharp does not keep a call's receiver alive during its native call, so a temporary whose last use is that
    /// call can be finalized on the finalizer thread while libtorch still reads it — a budgeted job's profile stage
    /// failed once so ("Could not run 'aten::copy_' with arguments from the … backend", a cast of a freed tensor) under
    /// the whole test suite's load. A dispose scope holds every tensor made in it until it ends.
    /// </summary>
    private static DisposeScope EmitScope() => torch.NewDisposeScope();

    /// <summary>
    /// A graph of one part of a network (for latency profiling): the named inputs (float32 NCHW, batch 1, dynamic
    /// height and width) go through <paramref name="body"/>, whose results are the graph outputs.
    /// </summary>
    internal static ModelProto Part(IReadOnlyList<(string Name, int Channels)> inputs, Func<OnnxGraphBuilder, IReadOnlyList<string>, IReadOnlyList<(string Name, int Channels)>> body)
    {
        using var scope = EmitScope();
        var g = new OnnxGraphBuilder();
        foreach (var (name, channels) in inputs) g.Graph.Input.Add(OnnxGraphBuilder.ImageValue(name, channels, "height", "width"));
        foreach (var (name, channels) in body(g, inputs.Select(i => i.Name).ToArray()))
            g.Graph.Output.Add(OnnxGraphBuilder.ImageValue(name, channels, "out_height", "out_width"));
        var model = new ModelProto { IrVersion = IrVersion, ProducerName = "HiNas.Realtime", Graph = g.Graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        return model;
    }
}
