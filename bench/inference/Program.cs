// Inference speed of model packages: ms/frame and fps at 640×360 and 1280×720 through the serving path
// (RGBA8 frame → planar → ONNX Runtime → RGBA8), against the same network run by TorchSharp (rebuilt from the
// manifest's genotype; weights do not change the cost) on the same frames, side by side in one run.
// Usage: dotnet run -c Release --project bench/inference -- [REPOSITORY=models] [FRAMES=30] [THREADS=2]
using System.Diagnostics;
using System.Globalization;
using HiNas.Imaging.Datasets;
using HiNas.Imaging.Tasks;
using HiNas.Inference.Engine;
using HiNas.Inference.Frames;
using HiNas.Inference.Repository;
using HiNas.Search.Networks;
using HiNas.Search.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using HiNas.Nas.Genotypes;
using HiNas.Nas.Settings;
using HiNas.Nas.Space;

NativeHeap.RelaunchWithTcmalloc(); // TorchSharp as `hinas eval` runs it: on tcmalloc (glibc maps and faults in every large activation anew)
var repositoryPath = args.Length > 0 ? args[0] : "models";
var frames = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 30;
var threads = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 2;
TorchRuntime.EnsureInitialized(threads);
using var repository = new ModelRepository(repositoryPath, new TileOptions { MaxTilePixels = 4096 * 4096 }, watch: false);
Console.WriteLine($"| model | resolution | ONNX Runtime graph optimisation | ONNX Runtime ms/frame | of which convert in / run / convert out | ONNX Runtime fps | TorchSharp ms/frame | TorchSharp fps | ORT speed-up |");
Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
foreach (var manifest in repository.List())
{
    var model = repository.Get(manifest.Id);
    foreach (var (w, h) in new[] { (640, 360), (1280, 720) })
    {
        var (iw, ih) = (w / manifest.Scale, h / manifest.Scale); // SR models produce the resolution from a smaller input
        var frame = RgbaFrame(iw, ih);
        var layout = new FrameLayout(iw, ih, iw * 4, PixelFormat.Rgba8);
        InferenceEngine.Restore(model, frame, layout); // warm-up
        var stages = new List<StageTimings>();
        var ort = Time(frames, () => stages.Add(InferenceEngine.Restore(model, frame, layout).Timings));
        var stageText = string.Create(CultureInfo.InvariantCulture,
            $"{stages.Average(t => t.PreprocessMs):F1} / {stages.Average(t => t.InferenceMs):F1} / {stages.Average(t => t.PostprocessMs):F1}");

        double torchMs = double.NaN;
        if (manifest.Genotype is { } node)
        {
            var genotype = GenotypeJson.Deserialize(node.ToJsonString());
            // the network the package was trained as: the genotype widened as recorded, with its head
            var head = manifest.Head is { } name ? DerivedHeads.Parse(name) : DerivedHead.Light;
            var told = manifest.NoiseLevelInput is not null; // a denoiser told the noise reads one more plane
            using var net = TorchRuntime.Seeded(1, () => new DerivedNetwork(genotype.Widened(manifest.WidthMultiplier ?? 1), head, told));
            net.eval();
            var planes = manifest.Channels == 1 ? 3 : 1; // a gray model restores the three colour planes as a batch
            using var input = torch.rand(planes, manifest.Channels + (told ? 1 : 0), ih, iw); // warm-up
            using (torch.no_grad())
            {
                net.call(input).Dispose();
                torchMs = Time(frames, () =>
                {
                    using var scope = torch.NewDisposeScope();
                    // The same conversions as the served path: bytes → floats in, floats → bytes out.
                    var x = torch.tensor(frame).reshape(ih, iw, 4)[.., .., ..3].permute(2, 0, 1).to(ScalarType.Float32).div(255).reshape(planes, manifest.Channels, ih, iw).contiguous();
                    if (told) x = torch.cat(new[] { x, torch.full(new long[] { planes, 1, ih, iw }, NoiseLevelMap.Level(manifest.Sigma ?? 25)) }, 1);
                    var y = net.call(x).clamp(0, 1).mul(255).round().to(ScalarType.Byte);
                    _ = y.data<byte>().ToArray();
                });
            }
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {manifest.Id} | {w}×{h} | {GraphOptimizer.Name(model.Optimization.Level)} | {ort:F1} | {stageText} | {1000 / ort:F1} | {torchMs:F1} | {1000 / torchMs:F1} | {torchMs / ort:F2}× |"));
    }
}

static double Time(int count, Action action)
{
    var clock = Stopwatch.StartNew();
    for (var i = 0; i < count; i++) action();
    return clock.Elapsed.TotalMilliseconds / count;
}

static byte[] RgbaFrame(int width, int height)
{
    var image = new DeadLeavesGenerator().Generate(width, height, 3, seed: 42);
    var bytes = new byte[width * height * 4];
    for (var i = 0; i < width * height; i++)
    {
        for (var c = 0; c < 3; c++) bytes[4 * i + c] = (byte)(image.Data[c * width * height + i] * 255);
        bytes[4 * i + 3] = 255;
    }
    return bytes;
}
