using System.Text.Json.Nodes;
using HiNas.Imaging.Tasks;
using HiNas.Inference.Packages;
using Google.Protobuf;
using HiNas.Imaging.Evaluation;
using HiNas.Imaging.Pixels;
using HiNas.Inference.Engine;
using HiNas.Onnx.Export;
using HiNas.Onnx.Quantization;
using HiNas.Search.Data;
using HiNas.Search.Losses;
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
    public static ExportResult FromTrainingRun(string trainDir, string packageDir, string? id = null, bool overwrite = false, LatencyMeasurement? latency = null,
        Int8Settings? int8 = null, IProgress<string>? progress = null)
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
        Int8Settings? quantization = null;
        if (int8 is not null) (onnx, quantization) = ToInt8(model, onnx, int8, metrics, progress);
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
            NoiseLevelInput = model.Options.NoiseMap ? NoiseLevelMap.InputName : null,
            OutputName = OnnxExporter.OutputName,
            InputMultiple = ((IRestorationNetwork)model.Network).PixelUnshuffle,
            Architecture = ((IRestorationNetwork)model.Network).Describe(),
            Genotype = model.Options.Architecture.Genotype is { } g ? JsonNode.Parse(GenotypeJson.Serialize(g)) : null,
            WidthMultiplier = model.Options.Architecture.WidthMultiplier,
            Head = model.Options.Architecture.Head?.Name(),
            Params = cost.Parameters,
            FlopsPerMegapixel = cost.FlopsPerMegapixel,
            Metrics = metrics,
            Precision = int8 is null ? ModelPrecision.Float32 : ModelPrecision.Int8,
            Quantization = quantization is null ? null : JsonNode.Parse(RunFiles.ToJson(quantization)),
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
    public static ExportResult From(ExportOptions options, IProgress<string>? progress = null) => FromTrainingRun(options.Checkpoint, options.Out, options.Id, options.Overwrite,
        options.MeasureWidth is { } w ? new LatencyMeasurement(w, options.MeasureHeight!.Value, options.BudgetMs) : null, options.Int8, progress);

    /// <summary>
    /// The int8 graph may score at most <paramref name="toleranceDb"/> under the float one (on the validation images,
    /// <paramref name="where"/> saying at which σ), or the export fails before anything is written, saying which settings
    /// decide: more tuning rarely closes the difference (bench/defaults), a larger tolerance accepts it, a float tail buys
    /// part of it back with some of int8's speed.
    /// </summary>
    public static void RequireInt8Parity(double floatPsnr, double int8Psnr, double toleranceDb, string where = "")
    {
        if (floatPsnr - int8Psnr <= toleranceDb) return;
        throw new InvalidOperationException($"the int8 graph scores {int8Psnr:F3} dB on the validation images{where}, {floatPsnr - int8Psnr:F3} dB under the float graph's " +
            $"{floatPsnr:F3} dB (tolerance {toleranceDb} dB); the package was not written. Accept the difference with a larger int8_tolerance_db, or keep the " +
            "network's last convolutions float with int8_float_tail (some of int8's speed for part of the difference); more tuning steps rarely close it");
    }

    /// <summary>
    /// The int8 graph of a float export (<see cref="Int8Tuning"/>, on the run's own training and validation images, with
    /// its loss), judged against the float graph by PSNR on the whole validation images under the evaluation protocol —
    /// a denoiser told the noise at both ends of its σ range (at least 5) and at its own σ: more than the tolerance
    /// under it at any of them fails the export. The scores at the task's σ and the largest drop go into the metrics;
    /// the settings come back as applied (a measured float tail as measured), for the manifest.
    /// </summary>
    private static (byte[] Onnx, Int8Settings Applied) ToInt8(TrainedModel model, byte[] floatOnnx, Int8Settings settings, Dictionary<string, double> metrics, IProgress<string>? progress)
    {
        var task = model.Task;
        var (train, validation) = model.Options.Data.Load(task.Channels, model.Options.Seed);
        var noise = model.Options.NoiseSigmaRange is { } r ? (r[0], r[1]) : ((double, double)?)null;
        // the training's crop where a training image is smaller than the int8 crop: the training drew its crops from them
        if (train.Any(image => Math.Min(image.Height, image.Width) < settings.Crop)) settings = settings with { Crop = Math.Min(settings.Crop, model.Options.Crop) };
        var result = Int8Tuning.Quantize(Proto.ModelProto.Parser.ParseFrom(floatOnnx), task, train, validation, settings, noise, progress, RestorationLoss.For(model.Options));
        var int8Onnx = result.Model.ToByteArray();
        var images = validation.Select((image, i) => ($"validation-{i}", image)).ToArray();
        double Score(byte[] onnx, RestorationTask at)
        {
            using var restorer = new GraphRestorer(onnx, at, ((IRestorationNetwork)model.Network).PixelUnshuffle);
            return EvaluationProtocol.Run(restorer, at, images, settings.Seed).Psnr;
        }
        var judged = model.Options.NoiseMap && noise is { } range
            ? new[] { Math.Max(range.Item1, 5), task.Sigma, range.Item2 }.Distinct().Select(sigma => RestorationTask.Denoise(sigma, task.Channels)).ToArray()
            : new[] { task };
        var largestDrop = double.NegativeInfinity;
        foreach (var at in judged)
        {
            var (floatPsnr, int8Psnr) = (Score(floatOnnx, at), Score(int8Onnx, at));
            progress?.Report($"validation PSNR{(judged.Length > 1 ? $" at σ {at.Sigma:g}" : "")}: float {floatPsnr:F3} dB, int8 {int8Psnr:F3} dB");
            RequireInt8Parity(floatPsnr, int8Psnr, settings.ToleranceDb, judged.Length > 1 ? $" at σ {at.Sigma:g}" : "");
            largestDrop = Math.Max(largestDrop, floatPsnr - int8Psnr);
            if (at != task) continue;
            metrics["float_validation_psnr"] = floatPsnr;
            metrics["int8_validation_psnr"] = int8Psnr;
        }
        metrics["int8_largest_drop_db"] = largestDrop;
        if (result.Bands.Count == 1) metrics["int8_tuning_steps"] = result.Bands[0].BestStep;
        else
        {
            metrics["int8_sigma_bands"] = result.Bands.Count;
            for (var i = 0; i < result.Bands.Count; i++) metrics[$"int8_tuning_steps_band_{i}"] = result.Bands[i].BestStep;
        }
        metrics["int8_float_tail"] = result.FloatTail;
        metrics["int8_float_head"] = result.FloatHead;
        metrics["int8_seconds"] = result.Seconds;
        return (int8Onnx, settings with { FloatTail = result.FloatTail }); // a measured tail as measured: the same graph again without measuring
    }

    public static string DefaultId(RestorationTask task, ArchitectureSpec architecture) =>
        $"{task.Slug}-{(architecture.Kind == ArchitectureSpec.GenotypeKind ? "hinas" : architecture.Kind)}";

    /// <summary>
    /// Max |ORT − TorchSharp| over random inputs of three sizes (one of them odd; a frame-time graph gets it padded as the
    /// engine pads it, <see cref="EdgePadded"/>); a denoiser told the noise is told a different σ at each size (the
    /// task's, and both ends of its range).
    /// </summary>
    public static (double MaxAbsDiff, IReadOnlyList<string> Sizes) Parity(nn.Module<Tensor, Tensor> network, RestorationTask task, byte[] onnx)
    {
        network.eval();
        using var restorer = new GraphRestorer(onnx, task, ((IRestorationNetwork)network).PixelUnshuffle);
        var worst = 0.0;
        var sizes = new[] { (32, 32), (45, 37), (64, 96) };
        var told = ((IRestorationNetwork)network).NoiseMap;
        var sigmas = new double?[] { task.Sigma, 0, 50 };
        for (var i = 0; i < sizes.Length; i++)
        {
            var (h, w) = sizes[i];
            using var scope = torch.NewDisposeScope();
            var x = torch.rand(new long[] { 1, task.Channels, h, w }, generator: new Generator((ulong)(h * 1000 + w)));
            var image = new PlanarImage(task.Channels, h, w, x.data<float>().ToArray());
            var networkInput = told ? TensorImages.ToTensor(NoiseLevelMap.Append(image, sigmas[i]!.Value), torch.CPU) : x;
            float[] expected;
            using (torch.no_grad()) expected = network.call(networkInput).contiguous().data<float>().ToArray();
            var actual = restorer.Restore(image, told ? sigmas[i] : null).Data.ToArray();
            if (actual.Length != expected.Length) throw new InvalidOperationException($"ONNX output has {actual.Length} values, TorchSharp {expected.Length}");
            worst = Math.Max(worst, expected.Zip(actual).Max(p => Math.Abs(p.First - p.Second)));
        }
        return (worst, sizes.Select(s => $"{s.Item1}x{s.Item2}").ToArray());
    }
}
