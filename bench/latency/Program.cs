// Predicted (sum of the latency table's parts) vs measured (ONNX Runtime, the whole exported network) latency of
// derived networks: RANDOM genotypes sampled from the table's space plus the genotype files given.
// Usage: HiNas.Bench.Latency TABLE.json TASK(denoise|sr) CHANNELS SCALE_OR_SIGMA LAYERS BLOCKS FILTERS STEM RANDOM [GENOTYPE.json …]
using System.Globalization;
using HiNas.Imaging.Tasks;
using HiNas.Onnx.Export;
using HiNas.Onnx.Latency;
using HiNas.Search.Genotypes;
using HiNas.Search.Latency;
using HiNas.Search.Networks;
using HiNas.Search.Runtime;

var inv = CultureInfo.InvariantCulture;
var table = LatencyTable.Load(args[0]);
var channels = int.Parse(args[2], inv);
var task = args[1] == "denoise" ? RestorationTask.Denoise(double.Parse(args[3], inv), channels) : RestorationTask.SuperResolution(int.Parse(args[3], inv), channels);
var (layers, blocks, filters, stem, random) = (int.Parse(args[4], inv), int.Parse(args[5], inv), int.Parse(args[6], inv), int.Parse(args[7], inv), int.Parse(args[8], inv));
TorchRuntime.EnsureInitialized();
var genotypes = Enumerable.Range(1, random)
    .Select(seed => ($"random:{seed}", RandomGenotype.Sample(task, layers, blocks, filters, new[] { 1.0, 1.5, 2.0 }, stem, (ulong)seed)))
    .Concat(args.Skip(9).Select(path => (Path.GetFileNameWithoutExtension(path), GenotypeJson.Load(path))))
    .ToList();

Console.WriteLine($"table: {table.Width}×{table.Height}, {table.Device}, {table.Runtime}");
Console.WriteLine("| network | genotype | predicted ms | measured ms | error |");
Console.WriteLine("|---|---|---|---|---|");
var errors = new List<double>();
foreach (var (name, genotype) in genotypes)
{
    using var network = TorchRuntime.Seeded(1, () => new DerivedNetwork(genotype));
    network.eval();
    var onnx = OnnxExporter.ExportBytes(network, genotype.Task);
    var predicted = NetworkLatency.Predict(genotype, table);
    var measured = LatencyProfiler.TimeNetwork(onnx, task.Channels, table.Width, table.Height, table.Repeats);
    var error = (predicted - measured) / measured;
    errors.Add(Math.Abs(error));
    Console.WriteLine(string.Create(inv, $"| {name} | {network.Describe()}: {string.Join(" / ", genotype.Cells.Select(c => c.ToString()))} | {predicted:F1} | {measured:F1} | {error:+0.0%;-0.0%} |"));
}
Console.WriteLine(string.Create(inv, $"mean absolute error {errors.Average():P1} over {errors.Count} networks (max {errors.Max():P1})"));
return errors.Average() <= 0.15 ? 0 : 1;
