// The latency table's predictions against ONNX Runtime runs of whole networks at the table's resolution and in its
// precision (an int8 table's networks timed as their int8 exports run: check, measure and kernels alike).
//   check TABLE TASK CHANNELS SIGMA_OR_SCALE LAYERS BLOCKS FILTERS STEM RANDOM [GENOTYPE.json …]
//     RANDOM genotypes sampled from the table's space plus the genotype files, each timed in 3 interleaved rounds (the
//     median): a markdown table and the mean absolute error of the predictions (exit 1 above 15 %).
//   check-preset TABLE PRESET TASK CHANNELS SIGMA_OR_SCALE RANDOM [GENOTYPE.json …]
//     the same for a preset's space (e.g. frame-time-denoise-fused).
//   either with --save-random DIR last: the random networks' genotypes written there (random-N.json).
//   measure TABLE [--rounds N] SPEC …   SPEC = a genotype.json, GENOTYPE.json*M (retrained M times as wide), or
//     dncnn|ffdnet:denoise:CHANNELS:SIGMA[:DEPTH:WIDTH] or espcn|fsrcnn:sr:CHANNELS:SCALE[:DEPTH:WIDTH]
//     (a hand design at its default size unless given; an upscaler timed on a table-sized low-resolution input)
//     one JSON line per network: predicted (unwidened genotypes of the table's space and channels; else null) and
//     measured milliseconds — the median over N rounds
//     (default 1) that each time the networks in turn, so that a slow spell of the machine falls on all of them.
//   levels TABLE SPEC …
//     each network at ONNX Runtime's extended and all graph optimisation levels (5 interleaved rounds, the median) and
//     the level the measured choice of serving takes: one JSON line per network.
//   kernels TABLE SPEC …
//     where ONNX Runtime spends each network's time at the table's resolution, by kernel type (its profiler, the median
//     of 9 runs of each node, as bound's): one JSON line per network.
//   packages WxH ROUNDS PACKAGE_DIR …
//     model packages' graphs timed side by side (interleaved rounds, the median): one JSON line per package, for tables
//     whose rows were exported (and their manifests' latencies measured) at different times.
//   bound WxH ROUNDS L,B,F,STEM …
//     the floor of each denoising space (all-skip cells) against its conv 3×3 networks, and where the floor's time goes
//     (see FloorBound).
using System.Globalization;
using System.Text.Json;
using HiNas.Imaging.Tasks;
using HiNas.Inference.Engine;
using HiNas.Onnx.Export;
using HiNas.Onnx.Latency;
using HiNas.Search.Latency;
using HiNas.Search.Networks;
using HiNas.Search.Runtime;
using TorchSharp;
using HiNas.Nas.Genotypes;
using HiNas.Nas.Latency;
using HiNas.Nas.Settings;
using HiNas.Nas.Space;

if (args[0] == "packages")
{
    var size = args[1].Split('x');
    var (width, height, rounds) = (int.Parse(size[0], CultureInfo.InvariantCulture), int.Parse(size[1], CultureInfo.InvariantCulture), int.Parse(args[2], CultureInfo.InvariantCulture));
    var packages = args.Skip(3).Select(dir => HiNas.Inference.Packages.ModelPackage.Load(dir)).ToList();
    var graphs = packages.Select(p => File.ReadAllBytes(p.ModelPath)).ToList();
    var measured = Interleaved(rounds, packages.Count, i => LatencyProfiler.TimeNetwork(graphs[i], packages[i].Manifest.Channels, width, height));
    for (var i = 0; i < packages.Count; i++)
        Console.WriteLine(JsonSerializer.Serialize(new { package = Path.GetFullPath(args[3 + i]), width, height, measured_ms = Median(measured[i]), rounds = measured[i] }));
    return 0;
}

if (args[0] == "bound")
{
    TorchRuntime.EnsureInitialized();
    return HiNas.Bench.Latency.FloorBound.Run(args);
}

var inv = CultureInfo.InvariantCulture;
var table = LatencyTable.Load(args[1]);
TorchRuntime.EnsureInitialized();

// the table's prediction, or none when the table has no entry for one of the genotype's parts (another space or channel count)
double? Predicted(Genotype genotype) =>
    NetworkLatency.Parts(genotype).All(table.Milliseconds.ContainsKey) ? NetworkLatency.Predict(genotype, table) : null;

// SPEC as measure and kernels take it: its exported graph, input channels and the table's prediction
(string Spec, byte[] Onnx, int Channels, double? Predicted) Load(string spec)
{
    // a hand design: dncnn|ffdnet:denoise:CHANNELS:SIGMA or espcn|fsrcnn:sr:CHANNELS:SCALE, then [:DEPTH:WIDTH] (default size without)
    string[] hands = [ArchitectureSpec.DnCnnKind, ArchitectureSpec.FfdnetKind, ArchitectureSpec.EspcnKind, ArchitectureSpec.FsrcnnKind];
    if (hands.Any(kind => spec.StartsWith(kind + ":", StringComparison.Ordinal)))
    {
        var p = spec.Split(':');
        if (p.Length is not (4 or 6) || p[1] is not ("denoise" or "sr")) throw new ArgumentException($"'{spec}' is not KIND:denoise:CHANNELS:SIGMA[:DEPTH:WIDTH] or KIND:sr:CHANNELS:SCALE[:DEPTH:WIDTH]");
        var task = p[1] == "sr" ? RestorationTask.SuperResolution(int.Parse(p[3], inv), int.Parse(p[2], inv)) : RestorationTask.Denoise(double.Parse(p[3], inv), int.Parse(p[2], inv));
        int? depth = p.Length > 5 ? int.Parse(p[4], inv) : null, width = p.Length > 5 ? int.Parse(p[5], inv) : null;
        using var baseline = TorchRuntime.Seeded(1, () => ArchitectureSpec.Parse(p[0], task, depth, width, SearchOptions.DefaultsFor(task).Supernet.Space).Build(task));
        baseline.eval();
        return (spec, Int8Timing.InPrecision(OnnxExporter.ExportBytes(baseline, task), task.Channels, table.Precision), task.Channels, null);
    }
    // a genotype.json, or GENOTYPE.json*M: that genotype retrained M times as wide (light head; the table, made for
    // the searched widths, predicts only the unwidened one)
    var star = spec.LastIndexOf('*');
    var multiplier = star < 0 ? 1 : double.Parse(spec[(star + 1)..], inv);
    var genotype = GenotypeJson.Load(star < 0 ? spec : spec[..star]);
    using var network = TorchRuntime.Seeded(1, () => new DerivedNetwork(genotype.Widened(multiplier)));
    network.eval();
    return (spec, Int8Timing.InPrecision(OnnxExporter.ExportBytes(network, genotype.Task), genotype.Task.Channels, table.Precision), genotype.Task.Channels, multiplier == 1 ? Predicted(genotype) : null);
}

if (args[0] == "kernels")
{
    foreach (var (spec, onnx, inputChannels, _) in args.Skip(2).Select(Load))
    {
        var kinds = HiNas.Bench.Latency.FloorBound.KernelTimes(onnx, inputChannels, table.Width, table.Height);
        var total = kinds.Values.Sum(k => k.Ms);
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            spec, kernel_ms = total,
            kernels = kinds.OrderByDescending(k => k.Value.Ms).Select(k => new { kind = k.Key, ms = k.Value.Ms, share = k.Value.Ms / total, nodes = k.Value.Count }),
        }));
    }
    return 0;
}

if (args[0] == "levels")
{
    // each network at ONNX Runtime's extended and all levels, fixed, in interleaved rounds (the median of each),
    // beside the level serving's measured choice takes
    var nets = args.Skip(2).Select(Load).ToList();
    GraphOptimization[] levels = [GraphOptimization.Extended, GraphOptimization.All];
    // network i at level l is timing i·levels + l
    var times = Interleaved(5, nets.Count * levels.Length, k =>
        LatencyProfiler.TimeNetwork(nets[k / levels.Length].Onnx, nets[k / levels.Length].Channels, table.Width, table.Height, table.Repeats, optimization: levels[k % levels.Length]));
    for (var i = 0; i < nets.Count; i++)
    {
        var (session, choice) = LatencyProfiler.OpenTimingSession(nets[i].Onnx, probe: new GraphOptimizer.Probe(table.Width, table.Height));
        session.Dispose();
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            spec = nets[i].Spec, predicted_ms = nets[i].Predicted,
            extended_ms = Median(times[i * levels.Length]), all_ms = Median(times[i * levels.Length + 1]), measured_choice = choice.ToString(),
        }));
    }
    return 0;
}

if (args[0] == "measure")
{
    var hasRounds = args.Length > 3 && args[2] == "--rounds";
    var rounds = hasRounds ? int.Parse(args[3], inv) : 1;
    var nets = args.Skip(hasRounds ? 4 : 2).Select(Load).ToList();
    var times = Interleaved(rounds, nets.Count, i => LatencyProfiler.TimeNetwork(nets[i].Onnx, nets[i].Channels, table.Width, table.Height, table.Repeats));
    for (var i = 0; i < nets.Count; i++)
        Console.WriteLine(JsonSerializer.Serialize(new { spec = nets[i].Spec, predicted_ms = nets[i].Predicted, measured_ms = Median(times[i]), rounds = times[i] }));
    return 0;
}

// check: the paper's space of the given size; check-preset: a preset's space (e.g. frame-time-denoise-fused);
// --save-random DIR (last) writes the random networks' genotypes there, for measure and kernels
var saveAt = Array.IndexOf(args, "--save-random");
var saveRandom = saveAt >= 0 ? args[saveAt + 1] : null;
if (saveAt >= 0) args = args[..saveAt];
var preset = args[0] == "check-preset" ? args[2] : null;
var at = preset is null ? 2 : 3;
var channels = int.Parse(args[at + 1], inv);
var task = args[at] == "denoise" ? RestorationTask.Denoise(double.Parse(args[at + 2], inv), channels) : RestorationTask.SuperResolution(int.Parse(args[at + 2], inv), channels);
SearchSpace sampled;
int random, files;
if (preset is null)
{
    var (layers, blocks, filters, stem) = (int.Parse(args[5], inv), int.Parse(args[6], inv), int.Parse(args[7], inv), int.Parse(args[8], inv));
    (sampled, random, files) = (new SearchSpace(task, layers, blocks, filters, SearchSpace.DefaultWidthFactors, stem), int.Parse(args[9], inv), 10);
}
else (sampled, random, files) = (SearchPresets.Apply(preset, SearchOptions.DefaultsFor(task)).Supernet.Space, int.Parse(args[6], inv), 7);
var genotypes = Enumerable.Range(1, random)
    .Select(seed => ($"random:{seed}", RandomGenotype.Sample(sampled, (ulong)seed)))
    .Concat(args.Skip(files).Select(path => (Path.GetFileNameWithoutExtension(path), GenotypeJson.Load(path))))
    .ToList();

if (saveRandom is not null)
{
    Directory.CreateDirectory(saveRandom);
    foreach (var (name, genotype) in genotypes.Where(g => g.Item1.StartsWith("random:", StringComparison.Ordinal)))
        GenotypeJson.Save(genotype, Path.Combine(saveRandom, name.Replace(':', '-') + ".json"));
}
Console.WriteLine($"table: {table.Width}×{table.Height} {table.Precision}, {table.Device}, {table.Runtime}");
Console.WriteLine("| network | genotype | predicted ms | measured ms | error |");
Console.WriteLine("|---|---|---|---|---|");
var errors = new List<double>();
// each network exported once, then timed in 3 rounds that take the networks in turn (the median): a slow spell of
// the host, tens of seconds at half speed, falls on all networks rather than on the few timed during it
var exported = genotypes.Select(g =>
{
    using var network = TorchRuntime.Seeded(1, () => new DerivedNetwork(g.Item2));
    network.eval();
    return (Name: g.Item1, Genotype: g.Item2, Description: network.Describe(), Onnx: OnnxExporter.ExportBytes(network, g.Item2.Task));
}).ToList();
var checkRounds = Interleaved(3, exported.Count, i =>
    LatencyProfiler.TimeNetwork(exported[i].Onnx, exported[i].Genotype.Task.Channels, table.Width, table.Height, table.Repeats, table.Precision));
for (var i = 0; i < exported.Count; i++)
{
    var (name, genotype, description, _) = exported[i];
    var predicted = NetworkLatency.Predict(genotype, table);
    var measured = Median(checkRounds[i]);
    var error = (predicted - measured) / measured;
    errors.Add(Math.Abs(error));
    Console.WriteLine(string.Create(inv, $"| {name} | {description} | {predicted:F1} | {measured:F1} | {error:+0.0%;-0.0%} |"));
}
Console.WriteLine(string.Create(inv, $"mean absolute error {errors.Average():P1} over {errors.Count} networks (max {errors.Max():P1})"));
return errors.Average() <= 0.15 ? 0 : 1;

// count timings taken in turn, round after round, so that a slow spell of the host falls on all of them alike: each
// one's times, fastest first
static double[][] Interleaved(int rounds, int count, Func<int, double> time)
{
    var times = Enumerable.Range(0, count).Select(_ => new List<double>()).ToArray();
    for (var round = 0; round < rounds; round++)
        for (var i = 0; i < count; i++)
            times[i].Add(time(i));
    return times.Select(t => t.Order().ToArray()).ToArray();
}

static double Median(double[] sorted) => sorted[sorted.Length / 2];
