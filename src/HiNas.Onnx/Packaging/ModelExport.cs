using System.Text.Json.Nodes;
using HiNas.Imaging.Tasks;
using HiNas.Inference.Packages;
using HiNas.Onnx.Export;
using HiNas.Search.Networks;
using HiNas.Search.Training;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using static TorchSharp.torch;
using HiNas.Nas.Genotypes;
using HiNas.Nas.Runs;
using HiNas.Nas.Settings;
using HiNas.Nas.Workers;
using HiNas.Nas.Space;

namespace HiNas.Onnx.Packaging;

/// <summary>What an export produced and how closely ONNX Runtime reproduced TorchSharp.</summary>
public sealed record ExportResult(ModelPackage Package, double ParityMaxAbsDiff, IReadOnlyList<string> ParitySizes);

/// <summary>
/// A training run's best weights → ONNX (BN folded) → parity check against TorchSharp on random inputs of three
/// sizes → a model package published atomically (model.onnx + manifest.json).
/// </summary>
/// <summary>Measure the exported model at this input size, and record the budget it was searched for (if any).</summary>
public sealed record LatencyMeasurement(int Width, int Height, double? BudgetMs);

public static class ModelExport
{
    /// <summary>Largest |ORT − TorchSharp| accepted at export.</summary>
    public const double ParityTolerance = 1e-4;

    /// <summary>
    /// Exports a training run and publishes the package. With <paramref name="latency"/> the exported graph's latency is
    /// measured at that input size (ONNX Runtime, median of 7 runs) and recorded in the manifest with the budget.
    /// </summary>
    public static ExportResult FromTrainingRun(string trainDir, string packageDir, string? id = null, bool overwrite = false, LatencyMeasurement? latency = null)
    {
        using var model = TrainedModel.Load(trainDir, torch.CPU);
        var task = model.Task;
        var modelId = id ?? DefaultId(task, model.Options.Architecture);
        if (!ModelId.IsValid(modelId)) throw new SettingException("id", $"'{modelId}' is not a model id ({ModelId.Rule})");
        var onnx = OnnxExporter.ExportBytes(model.Network, task, new Dictionary<string, string> { ["hinas.id"] = modelId });
        var (parity, sizes) = Parity(model.Network, task, onnx);
        if (parity > ParityTolerance)
            throw new InvalidOperationException($"ONNX Runtime differs from TorchSharp by {parity:E2} (> {ParityTolerance:E0}); the package was not written");

        var summaryPath = Path.Combine(Path.GetFullPath(trainDir), TrainRun.SummaryFile);
        var summary = File.Exists(summaryPath) ? RunFiles.ReadJson<TrainSummary>(summaryPath) : null;
        var cost = NetworkCost.Of(model.Network, task);
        var metrics = new Dictionary<string, double> { ["parity_max_abs_diff"] = parity };
        if (summary is not null) metrics["validation_psnr"] = summary.BestValidationPsnr;
        var manifest = new ModelManifest
        {
            Id = modelId,
            Task = task.Kind == RestorationKind.Denoise ? "denoise" : "sr",
            Scale = task.Scale,
            Channels = task.Channels,
            Sigma = task.Kind == RestorationKind.Denoise ? task.Sigma : null,
            SigmaRange = task.Kind == RestorationKind.Denoise ? model.Options.NoiseSigmaRange ?? new[] { task.Sigma, task.Sigma } : null,
            InputName = OnnxExporter.InputName,
            OutputName = OnnxExporter.OutputName,
            Architecture = ((IRestorationNetwork)model.Network).Describe(),
            Genotype = model.Options.Architecture.Genotype is { } g ? JsonNode.Parse(GenotypeJson.Serialize(g)) : null,
            WidthMultiplier = model.Options.Architecture.WidthMultiplier,
            Head = model.Options.Architecture.Head?.Name(),
            Params = cost.Parameters,
            FlopsPerMegapixel = cost.FlopsPerMegapixel,
            Metrics = metrics,
            ModelBytes = onnx.LongLength,
            ModelSha256 = ModelPackage.Sha256(onnx),
            Producer = $"hinas export from {Path.GetFullPath(trainDir)}",
            Latency = latency is { } l
                ? new ModelLatency
                {
                    MeasuredMs = Latency.LatencyProfiler.TimeNetwork(onnx, task.Channels, l.Width, l.Height), Width = l.Width, Height = l.Height,
                    Device = Latency.LatencyProfiler.DeviceName(), BudgetMs = l.BudgetMs,
                }
                : null,
        };
        return new ExportResult(ModelPackage.Publish(packageDir, manifest, onnx, overwrite), parity, sizes);
    }

    /// <summary>The export an <see cref="ExportOptions"/> describes (`hinas export` and the worker's export stage).</summary>
    public static ExportResult From(ExportOptions options) => FromTrainingRun(options.Checkpoint, options.Out, options.Id, options.Overwrite,
        options.MeasureWidth is { } w ? new LatencyMeasurement(w, options.MeasureHeight!.Value, options.BudgetMs) : null);

    public static string DefaultId(RestorationTask task, ArchitectureSpec architecture) =>
        $"{task.Slug}-{(architecture.Kind == ArchitectureSpec.GenotypeKind ? "hinas" : architecture.Kind)}";

    /// <summary>Max |ORT − TorchSharp| over random inputs of three sizes (one of them odd).</summary>
    public static (double MaxAbsDiff, IReadOnlyList<string> Sizes) Parity(nn.Module<Tensor, Tensor> network, RestorationTask task, byte[] onnx)
    {
        network.eval();
        using var session = new InferenceSession(onnx);
        var worst = 0.0;
        var sizes = new[] { (32, 32), (45, 37), (64, 96) };
        foreach (var (h, w) in sizes)
        {
            using var scope = torch.NewDisposeScope();
            var x = torch.rand(new long[] { 1, task.Channels, h, w }, generator: new Generator((ulong)(h * 1000 + w)));
            float[] expected;
            using (torch.no_grad()) expected = network.call(x).contiguous().data<float>().ToArray();
            var input = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(x.data<float>().ToArray(), new[] { 1, task.Channels, h, w });
            using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor(OnnxExporter.InputName, input) });
            var actual = results.Single().AsTensor<float>().ToArray();
            if (actual.Length != expected.Length) throw new InvalidOperationException($"ONNX output has {actual.Length} values, TorchSharp {expected.Length}");
            worst = Math.Max(worst, expected.Zip(actual).Max(p => Math.Abs(p.First - p.Second)));
        }
        return (worst, sizes.Select(s => $"{s.Item1}x{s.Item2}").ToArray());
    }
}
