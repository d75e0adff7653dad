using System.Diagnostics;
using Google.Protobuf;
using HiNas.Inference.Engine;
using HiNas.Onnx.Export;
using HiNas.Onnx.Quantization;
using HiNas.Search.Export;
using HiNas.Search.Latency;
using HiNas.Search.Networks;
using HiNas.Search.Operations;
using HiNas.Search.Runtime;
using HiNas.Search.Supernets;
using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;
using HiNas.Nas.Latency;
using HiNas.Nas.Settings;
using HiNas.Nas.Space;
using HiNas.Imaging.Tasks;

namespace HiNas.Onnx.Latency;

/// <summary>
/// Measures, with ONNX Runtime on this machine, every part a network of a search space can be made of (stem,
/// projections, each operation at each width, node additions, concatenations, heads with the residual) at one
/// resolution: each part is exported on its own (random weights: the cost does not depend on them), run a few
/// times to warm up, then <c>repeats</c> times; the median is kept. Session settings are the server's. In an int8
/// table each part runs as it does inside its network's int8 export (<see cref="Int8Timing"/>).
/// </summary>
public static class LatencyProfiler
{
    /// <param name="precision">the arithmetic to time the parts in (<see cref="ModelPrecision"/>)</param>
    public static LatencyTable Profile(SearchSpace space, int width, int height, int repeats = 7, Action<string, double>? progress = null,
        string precision = ModelPrecision.Float32)
    {
        ModelPrecision.Require(precision);
        if (width < 8 || height < 8 || width > 8192 || height > 8192) throw new ArgumentOutOfRangeException(nameof(width), $"{width}×{height}: each side must be in [8, 8192]");
        if (repeats is < 1 or > 1000) throw new ArgumentOutOfRangeException(nameof(repeats), repeats, "repeats must be in [1, 1000]");
        if (LatencyTable.ResolutionProblem(width, height, space.PixelUnshuffle) is { } problem) throw new ArgumentOutOfRangeException(nameof(width), problem);
        TorchRuntime.EnsureInitialized();
        var milliseconds = new Dictionary<string, double>(StringComparer.Ordinal);
        // a float part of fused cells is priced without the blocked-layout reorders a network does not run (BlockedLayout)
        var reorders = precision == ModelPrecision.Float32 && space.Form == CellForm.Fused ? new Dictionary<string, double>(StringComparer.Ordinal) : null;
        double Reorders(int channels)
        {
            var key = BlockedLayout.Key(channels, space.PixelUnshuffle);
            if (!reorders!.TryGetValue(key, out var ms)) reorders[key] = ms = BlockedLayout.PairMilliseconds(channels, space.PixelUnshuffle, width, height, repeats);
            return ms;
        }
        foreach (var (key, part) in Parts(space))
        {
            if (milliseconds.ContainsKey(key)) continue;
            var graph = TimedGraph(key, part, precision);
            var (ms, level) = Timed(graph, part.Inputs, width, height, repeats);
            if (reorders is not null)
            {
                // the pairs are measured (and kept) for every end; taken off where the part ran in the blocked layout
                var atEnds = BlockedLayout.Ends(graph, part.Inputs).Sum(channels => Reorders(channels) / 2);
                if (level == GraphOptimizationLevel.ORT_ENABLE_ALL) ms = Math.Max(0, ms - atEnds);
            }
            milliseconds[key] = ms;
            progress?.Invoke(key, ms);
        }
        return new LatencyTable
        {
            Device = DeviceName(), Runtime = $"onnxruntime {OrtEnv.Instance().GetVersionString()} CPUExecutionProvider",
            Width = width, Height = height, Repeats = repeats, Milliseconds = milliseconds, Precision = precision,
            Reorders = reorders is { Count: > 0 } ? reorders : null,
        };
    }

    /// <summary>The graph a part is timed as: as built, or in int8 as the network's int8 export runs it.</summary>
    internal static Proto.ModelProto TimedGraph(string key, Part part, string precision)
    {
        if (precision != ModelPrecision.Int8) return part.Build();
        try
        {
            return Int8Timing.Part(part.Build(), part.Inputs);
        }
        catch (NotSupportedException e)
        {
            throw new NotSupportedException($"part '{key}' has no int8 form ({e.Message}): an int8 table is for spaces whose every part the int8 export quantizes — leave the operation out (--operations)", e);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            throw new InvalidOperationException($"part '{key}' could not be written in int8: {e.Message}", e);
        }
    }

    /// <summary>
    /// Times a whole exported network (for checking the table's predictions): the median of <paramref name="repeats"/>
    /// runs; with <paramref name="precision"/> int8, the network as its int8 export runs it (<see cref="Int8Timing.Network"/>).
    /// </summary>
    public static double TimeNetwork(byte[] onnx, int channels, int width, int height, int repeats = 7, string precision = ModelPrecision.Float32,
        GraphOptimization optimization = GraphOptimization.Measured)
    {
        onnx = Int8Timing.InPrecision(onnx, channels, precision);
        var model = Proto.ModelProto.Parser.ParseFrom(onnx);
        var inputs = new List<PartInput> { new(OnnxExporter.InputName, channels) };
        if (OnnxExporter.TakesNoiseLevel(model)) inputs.Add(new PartInput(NoiseLevelMap.InputName, 1, Scalar: true));
        return Timed(model, inputs, width, height, repeats, optimization).Ms;
    }

    /// <summary>A part's graph timed as <see cref="Profile"/> times it, at <paramref name="optimization"/>: the median of <paramref name="repeats"/> runs.</summary>
    internal static double TimePart(Proto.ModelProto model, IReadOnlyList<PartInput> inputs, int width, int height, int repeats, GraphOptimization optimization) =>
        Timed(model, inputs, width, height, repeats, optimization).Ms;

    /// <summary>
    /// A session as every timing here runs it, the server's settings: the graph optimisation level chosen as serving
    /// chooses it (<see cref="GraphOptimizer"/>; measured unless given, on <paramref name="probe"/>: the frame the
    /// timing is for), one intra-op thread per processor (<see cref="OrtThreads"/>), and no spinning threads between runs.
    /// </summary>
    public static (InferenceSession Session, GraphOptimizationChoice Choice) OpenTimingSession(byte[] onnx,
        GraphOptimization optimization = GraphOptimization.Measured, Action<SessionOptions>? configure = null, Func<string, int>? divisorOf = null,
        GraphOptimizer.Probe? probe = null) =>
        GraphOptimizer.Open(ModelSource.Memory(onnx), optimization, options =>
        {
            options.IntraOpNumThreads = OrtThreads.Resolve(0);
            options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
            configure?.Invoke(options);
        }, divisorOf, probe);

    /// <summary>
    /// An input of a timed graph: its channels, at 1/<paramref name="Divisor"/> of each side of the frame (the frame-time
    /// space's cells); or, <paramref name="Scalar"/>, one value of shape [1, 1, 1, 1] (a denoiser's noise level).
    /// <paramref name="Image"/>: the task's image (or its noise level), float in an int8 network too; the other inputs
    /// of a part are values the network computed, uint8 in an int8 one.
    /// </summary>
    internal sealed record PartInput(string Name, int Channels, int Divisor = 1, bool Scalar = false, bool Image = false);

    internal sealed record Part(IReadOnlyList<PartInput> Inputs, Func<Proto.ModelProto> Build);

    /// <summary>The median of <paramref name="repeats"/> runs, and the level the session ran at.</summary>
    private static (double Ms, GraphOptimizationLevel Level) Timed(Proto.ModelProto model, IReadOnlyList<PartInput> inputs, int width, int height, int repeats,
        GraphOptimization optimization = GraphOptimization.Measured)
    {
        var channelsLast = Int8Timing.ChannelsLastInputs(model);
        var names = inputs.Select(i => channelsLast.Contains(i.Name) ? Int8Timing.ChannelsLastName(i.Name) : i.Name).ToArray();
        var (session, choice) = OpenTimingSession(model.ToByteArray(), optimization, divisorOf: name => inputs[Array.IndexOf(names, name)].Divisor,
            probe: new GraphOptimizer.Probe(width, height));
        using var _ = session;
        var random = new Random(1);
        var values = inputs.Select((i, k) =>
        {
            var (w, h) = i.Scalar ? (1, 1) : (width / i.Divisor, height / i.Divisor);
            var shape = channelsLast.Contains(i.Name) ? new long[] { 1, h, w, i.Channels } : new long[] { 1, i.Channels, h, w };
            return TimingTensors.Random(session.InputMetadata[names[k]], shape, random);
        }).ToArray();
        var outputs = session.OutputNames.ToArray();
        using var runOptions = new RunOptions();
        OrtValue[] results = [];
        try
        {
            // The outputs are written into buffers allocated once (shapes from a first run): a part inside a network
            // writes into ORT's reused arena, and a fresh output per run would time the kernel's page faults on tens
            // of megabytes of new memory (which vary with the machine's memory state), not the part.
            using (var first = session.Run(runOptions, names, values, outputs))
                results = first.Select(o => TimingTensors.Output(o.GetTensorTypeAndShape().ElementDataType, o.GetTensorTypeAndShape().Shape)).ToArray();
            session.Run(runOptions, names, values, outputs, results);
            var times = new double[repeats];
            for (var r = 0; r < repeats; r++)
            {
                var clock = Stopwatch.StartNew();
                session.Run(runOptions, names, values, outputs, results);
                times[r] = clock.Elapsed.TotalMilliseconds;
            }
            Array.Sort(times);
            return (times[repeats / 2], choice.Level);
        }
        finally
        {
            foreach (var v in values.Concat(results)) v.Dispose();
        }
    }

    /// <summary>Every part a network of the space can contain, with how to build its graph.</summary>
    internal static IEnumerable<(string Key, Part Part)> Parts(SearchSpace space)
    {
        var task = space.Task;
        var b = space.Blocks;
        var r = space.PixelUnshuffle;
        var widths = Enumerable.Range(0, space.WidthFactors.Count).Select(space.NodeChannels).ToArray();
        var c0 = widths[0];

        var image = new PartInput("x", task.Channels, Image: true);
        yield return (LatencyKeys.Stem(space), new Part(new[] { image }, () =>
        {
            using var stem = TorchRuntime.Seeded(1, () => new Stem(task.Channels, space));
            stem.eval();
            return OnnxExporter.Part(new[] { (image.Name, image.Channels) }, (g, x) =>
            {
                var (s0, s1) = stem.Emit(g, x[0]);
                return new[] { (s0, b * c0), (s1, c0) }.DistinctBy(o => o.Item1).ToArray(); // one output where the stem does not project
            });
        }));

        var projectionInputs = new[] { c0 }.Concat(widths.Select(c => b * c)).Distinct();
        foreach (var cin in projectionInputs)
            foreach (var cout in widths.Distinct().Where(cout => space.Projects(cin, cout)))
                yield return (LatencyKeys.Projection(cin, cout, r, space.Form), Single(cin, cout, r, () => OperationTable.Projection(space, cin, cout, affine: true)));

        foreach (var c in widths.Distinct())
        {
            foreach (var op in space.Offered.Where(o => o.HasCost))
                yield return (LatencyKeys.Operation(op, c, r, space.Form), Single(c, c, r, () => OperationTable.Create(op, c, affine: true, space.Form)));
            var channels = c;
            var pair = new[] { new PartInput("a", c, r), new PartInput("b", c, r) };
            yield return (LatencyKeys.Add(c, r, space.Form), new Part(pair, () =>
                OnnxExporter.Part(pair.Select(i => (i.Name, i.Channels)).ToArray(), (g, x) =>
                {
                    var sum = g.Add(x[0], x[1]);
                    return new[] { (space.Form == CellForm.Fused ? g.Relu(sum) : sum, channels) };
                })));
            var nodes = Enumerable.Range(0, b).Select(i => new PartInput($"n{i}", c, r)).ToArray();
            if (b > 1)
                yield return (LatencyKeys.Concat(b, c, r), new Part(nodes, () =>
                    OnnxExporter.Part(nodes.Select(i => (i.Name, i.Channels)).ToArray(), (g, x) => new[] { (g.Concat(x), b * channels) })));
            var features = b * c;
            // the image first: an int8 denoiser's residual reads it rounded as the network reads its input (QuantizationPlan)
            var headInputs = new[] { new PartInput("image", task.Channels, Image: true), new PartInput("features", features, r) };
            yield return (LatencyKeys.Head(space, features), new Part(headInputs, () =>
            {
                using var head = TorchRuntime.Seeded(1, () => new RestorationHead(features, task, r, space.HeadConv, space.Form));
                head.eval();
                string? prediction = null; // the head's output, which an int8 head rounds before the residual
                var model = OnnxExporter.Part(headInputs.Select(i => (i.Name, i.Channels)).ToArray(), (g, x) =>
                {
                    var predicted = head.Emit(g, x[1]);
                    prediction = predicted.Value;
                    return new[] { (TaskResidual.Emit(g, task, x[0], predicted), task.Channels) };
                });
                model.MetadataProps.Add(new Proto.StringStringEntryProto { Key = QdqQuantizer.PredictionKey, Value = prediction! });
                return model;
            }));
        }
    }

    /// <summary>A part that is one module of the operation table (or a projection) from cin to cout channels, at 1/r of each side.</summary>
    private static Part Single(int cin, int cout, int r, Func<nn.Module<Tensor, Tensor>> create) => new(new[] { new PartInput("x", cin, r) }, () =>
    {
        using var module = TorchRuntime.Seeded(1, create);
        module.eval();
        return OnnxExporter.Part(new[] { ("x", cin) }, (g, x) => new[] { (((IExportable)module).Emit(g, x[0]), cout) });
    });

    /// <summary>This machine, as latency tables and manifests name it.</summary>
    public static string DeviceName()
    {
        var cpu = "cpu";
        try
        {
            if (File.Exists("/proc/cpuinfo"))
                cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
        }
        catch (IOException)
        {
        }
        return $"cpu: {cpu} ({Environment.ProcessorCount} threads)";
    }
}
