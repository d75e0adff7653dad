using System.Globalization;
using System.Text.Json;
using HiNas.Imaging.Tasks;
using HiNas.Inference.Engine;
using HiNas.Onnx.Export;
using HiNas.Onnx.Latency;
using HiNas.Search.Networks;
using HiNas.Search.Runtime;
using HiNas.Search.Supernets;
using Microsoft.ML.OnnxRuntime;
using HiNas.Nas.Genotypes;
using HiNas.Nas.Settings;
using HiNas.Nas.Space;

namespace HiNas.Bench.Latency;

/// <summary>
/// How low a budget any network of a denoising space (σ 25, RGB) can meet, against the networks its searches find:
/// for each configuration (layers, blocks, filters, stem channels, and optionally the pixel-unshuffle factor r of the
/// frame-time space, default 1) the floor network (every cell made of skip
/// connections, every layer at the narrowest width: only the stem, projections, additions, concatenations and
/// head remain), the network made of conv 3×3 at the narrowest width (what the unconstrained searches pick) and the
/// same on the widest path the lattice allows. All are run whole by ONNX Runtime with the server's settings at one
/// resolution, in interleaved rounds (median of rounds). Then, for each floor network, where ONNX Runtime spends its
/// time, by kernel type (its profiler; the median run of each node).
/// </summary>
internal static class FloorBound
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static int Run(string[] args)
    {
        // bound WxH ROUNDS L,B,F,STEM[,R] …
        var size = args[1].Split('x');
        var (width, height, rounds) = (int.Parse(size[0], Inv), int.Parse(size[1], Inv), int.Parse(args[2], Inv));
        var task = RestorationTask.Denoise(25, 3);
        var spaces = args.Skip(3).Select(a => a.Split(',').Select(v => int.Parse(v, Inv)).ToArray()).ToList();
        var nets = spaces.SelectMany(s => new[] { Build(task, s, OperationNames.Skip, wide: false), Build(task, s, OperationNames.Conv3x3, wide: false), Build(task, s, OperationNames.Conv3x3, wide: true) }).ToList();
        var onnx = nets.Select(Export).ToList();
        var times = nets.Select(_ => new List<double>()).ToArray();
        for (var round = 0; round < rounds; round++)
            for (var i = 0; i < nets.Count; i++)
                times[i].Add(LatencyProfiler.TimeNetwork(onnx[i], task.Channels, width, height));
        double Median(int i) => times[i].Order().ElementAt(times[i].Count / 2);

        Console.WriteLine($"{width}×{height}, {LatencyProfiler.DeviceName()}, onnxruntime {OrtEnv.Instance().GetVersionString()}, median of {rounds} interleaved rounds");
        Console.WriteLine("| space | floor ms | conv 3×3, narrowest ms | floor / it | conv 3×3, widest path ms | floor / it |");
        Console.WriteLine("|---|---|---|---|---|---|");
        for (var s = 0; s < spaces.Count; s++)
        {
            var (floor, narrow, wide) = (Median(3 * s), Median(3 * s + 1), Median(3 * s + 2));
            var p = spaces[s];
            Console.WriteLine(string.Create(Inv, $"| L{p[0]} B{p[1]} F{p[2]} stem {p[3]}{Unshuffled(p)} (wide path [{string.Join(",", nets[3 * s + 2].WidthPath)}]) | {floor:F1} | {narrow:F1} | {floor / narrow:F2} | {wide:F1} | {floor / wide:F2} |"));
        }
        for (var s = 0; s < spaces.Count; s++)
        {
            var p = spaces[s];
            var kinds = KernelTimes(onnx[3 * s], task.Channels, width, height);
            var total = kinds.Values.Sum(k => k.Ms);
            Console.WriteLine(string.Create(Inv, $"floor of L{p[0]} B{p[1]} F{p[2]} stem {p[3]}{Unshuffled(p)}, by kernel: ") + string.Join(", ",
                kinds.OrderByDescending(k => k.Value.Ms).Select(k => string.Create(Inv, $"{k.Key} {k.Value.Ms:F1} ms ×{k.Value.Count} ({k.Value.Ms / total:P0})"))));
        }
        return 0;
    }

    private static Genotype Build(RestorationTask task, int[] p, string op, bool wide)
    {
        var space = new SupernetConfig { Task = task, Layers = p[0], Blocks = p[1], Filters = p[2], StemChannels = p[3], PixelUnshuffle = p.Length > 4 ? p[4] : 1 }; // the default width factors
        var cells = Enumerable.Range(0, space.Layers).Select(_ => new CellGenotype(
            Enumerable.Range(0, space.Blocks).SelectMany(_ => new[] { new CellEdge(op, 0), new CellEdge(op, 1) }).ToList())).ToArray();
        // the lattice starts at width 0 and climbs at most one level a layer
        var path = Enumerable.Range(0, space.Layers).Select(l => wide ? Math.Min(l, space.WidthFactors.Count - 1) : 0).ToArray();
        return new Genotype(space.Space, cells, path);
    }

    private static string Unshuffled(int[] p) => p.Length > 4 && p[4] > 1 ? string.Create(Inv, $" r {p[4]}") : "";

    private static byte[] Export(Genotype genotype)
    {
        using var network = TorchRuntime.Seeded(1, () => new DerivedNetwork(genotype));
        network.eval();
        return OnnxExporter.ExportBytes(network, genotype.Task);
    }

    /// <summary>ONNX Runtime's own profile of 9 runs after one warm-up: per kernel type, the sum over its nodes of each node's median.</summary>
    internal static Dictionary<string, (double Ms, int Count)> KernelTimes(byte[] onnx, int channels, int width, int height)
    {
        var prefix = Path.Combine(Path.GetTempPath(), $"hinas-bound-{Environment.ProcessId}");
        // the level serving would choose, then a profiled session at that level
        var (chooser, choice) = LatencyProfiler.OpenTimingSession(onnx, probe: new GraphOptimizer.Probe(width, height));
        chooser.Dispose();
        using var session = LatencyProfiler.OpenTimingSession(onnx, GraphOptimizer.Of(choice.Level), options =>
        {
            options.EnableProfiling = true;
            options.ProfileOutputPathPrefix = prefix;
        }).Session;
        var data = new float[channels * width * height];
        var random = new Random(1);
        for (var i = 0; i < data.Length; i++) data[i] = (float)random.NextDouble();
        using var input = OrtValue.CreateTensorValueFromMemory(data, new long[] { 1, channels, height, width });
        using var runOptions = new RunOptions();
        for (var r = 0; r < 10; r++)
            using (session.Run(runOptions, new[] { OnnxExporter.InputName }, new[] { input }, new[] { OnnxExporter.OutputName })) { }
        var file = session.EndProfiling();
        try
        {
            var perNode = new Dictionary<string, (string Kind, List<double> Us)>();
            foreach (var e in JsonDocument.Parse(File.ReadAllText(file)).RootElement.EnumerateArray())
            {
                var name = e.GetProperty("name").GetString()!;
                if (e.GetProperty("cat").GetString() != "Node" || !name.EndsWith("_kernel_time", StringComparison.Ordinal)) continue;
                if (!perNode.TryGetValue(name, out var node)) perNode[name] = node = (e.GetProperty("args").GetProperty("op_name").GetString()!, new List<double>());
                node.Us.Add(e.GetProperty("dur").GetDouble());
            }
            return perNode.Values
                .Select(n => (n.Kind, Ms: n.Us.Skip(1).Order().ElementAt((n.Us.Count - 1) / 2) / 1000))
                .GroupBy(n => n.Kind)
                .ToDictionary(g => g.Key, g => (g.Sum(n => n.Ms), g.Count()));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
