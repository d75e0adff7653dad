using HiNas.Inference.Engine;
using HiNas.Onnx.Export;
using HiNas.Imaging.Datasets;
using HiNas.Imaging.Pixels;
using HiNas.Imaging.Randomness;
using HiNas.Imaging.Tasks;
using HiNas.Nas.Settings;
using HiNas.Onnx.Proto;
using HiNas.Search.Evaluation;
using HiNas.Search.Losses;
using HiNas.Search.Runtime;
using HiNas.Search.Training;
using TorchSharp;
using OrtTensors = Microsoft.ML.OnnxRuntime.Tensors;

namespace HiNas.Onnx.Quantization;

/// <summary>
/// What <see cref="Int8Tuning.Quantize"/> made: the int8 graph and, per σ band in the band order, the tuning step whose
/// weights it kept (one band for a graph not cut into bands).
/// </summary>
public sealed record Int8Result(ModelProto Model, IReadOnlyList<Int8Band> Bands, double Seconds, int FloatTail, int FloatHead);

/// <summary>One σ band's int8 graph: the fake-quantized validation PSNR before and after tuning, and the step kept.</summary>
public sealed record Int8Band(double ValidationPsnrCalibrated, double ValidationPsnrTuned, int BestStep);

/// <summary>
/// Makes the int8 form of an exported float graph: ranges calibrated on crops of the training images
/// (<see cref="ActivationRanges"/>; outlier channels scaled down first, <see cref="OutlierChannels"/>), then quantization-aware tuning — the graph's folded weights trained through the
/// same rounding the int8 graph does (<see cref="FakeQuantizedGraph"/>), with the task's loss on training crops, the
/// learning rates on <see cref="Int8Settings.Schedule"/>, the best validation PSNR kept — and the QDQ rewrite of the
/// tuned graph over the same ranges (<see cref="QdqQuantizer"/>). A denoiser told the noise gets one such graph per σ
/// band of its range (<see cref="Int8Settings.SigmaBands"/>), joined into one (<see cref="SigmaBands"/>).
/// Post-training rounding alone costs deep denoisers decibels: their activations are heavy-tailed and the predicted
/// noise is a small difference of large features, so the rounding errors of 40-odd layers add up in it.
/// </summary>
public static class Int8Tuning
{
    /// <param name="loss">the loss the float network was trained with (default: the task's)</param>
    /// <param name="noiseRange">the σ range the network was trained on (a denoiser told the noise: cut into
    /// <see cref="Int8Settings.SigmaBands"/>, each band's graph made on its own σ and validated at its middle)</param>
    public static Int8Result Quantize(ModelProto floatModel, RestorationTask task, IReadOnlyList<PlanarImage> train, IReadOnlyList<PlanarImage> validation,
        Int8Settings settings, (double Min, double Max)? noiseRange = null, IProgress<string>? progress = null, RestorationLoss? loss = null)
    {
        settings.Validate();
        if (train.Count == 0) throw new ArgumentException("int8 calibration needs training images");
        if (validation.Count == 0) throw new ArgumentException("int8 tuning needs validation images");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        TorchRuntime.EnsureInitialized();
        IReadOnlyList<(double Lo, double Hi)>? bands = OnnxExporter.TakesNoiseLevel(floatModel) && noiseRange is { } range ? SigmaBands.Cut(range, settings.SigmaBoundaries()) : null;
        if (bands is null || bands.Count == 1)
        {
            var (model, one, tail) = QuantizeBand(floatModel, task, train, validation, settings, noiseRange, progress, loss);
            return new Int8Result(model, new[] { one }, clock.Elapsed.TotalSeconds, tail, settings.FloatHead);
        }
        // a measured float tail would be each band's own: one package, one tail
        if (settings.FloatTail is null) throw new SettingException("int8_float_tail", "measuring the float tail is for one graph; with σ bands give the tail (or set int8_sigma_bands empty)");
        var graphs = new List<ModelProto>();
        var made = new List<Int8Band>();
        foreach (var (min, max) in bands)
        {
            progress?.Report($"σ band {min:g}–{max:g}");
            var atMiddle = RestorationTask.Denoise((min + max) / 2, task.Channels);
            var (model, band, _) = QuantizeBand(floatModel, atMiddle, train, validation, settings, (min, max), progress, loss);
            graphs.Add(model);
            made.Add(band);
        }
        return new Int8Result(SigmaBands.Join(graphs, bands.Skip(1).Select(b => b.Lo).ToArray()), made, clock.Elapsed.TotalSeconds, settings.FloatTail.Value, settings.FloatHead);
    }

    /// <summary>The int8 graph for one σ band (or the whole range): calibration, quantization-aware tuning, the QDQ rewrite.</summary>
    private static (ModelProto Model, Int8Band Band, int FloatTail) QuantizeBand(ModelProto floatModel, RestorationTask task, IReadOnlyList<PlanarImage> train, IReadOnlyList<PlanarImage> validation,
        Int8Settings settings, (double Min, double Max)? noiseRange, IProgress<string>? progress, RestorationLoss? loss)
    {
        // the graph's input (HR crop / scale) must be a multiple of its pixel-unshuffle
        var crop = EdgePadded.RoundUp(settings.Crop, task.Scale * OnnxExporter.InputMultiple(floatModel));
        // a graph told the noise is tuned as it was trained: each crop's σ drawn from the range, its plane after the image
        var told = OnnxExporter.TakesNoiseLevel(floatModel);
        var sampler = new PairSampler(train, task, crop, noiseRange: noiseRange, noiseMap: told);
        var random = new DeterministicRandom(settings.Seed);
        var calibration = Enumerable.Range(0, settings.CalibrationCrops).Select(_ => Feed(sampler.Next(random).Input, told)).ToArray();
        if (settings.EqualizeOutliers)
        {
            (floatModel, var scaled) = OutlierChannels.Equalize(floatModel, calibration);
            progress?.Report($"{scaled} outlier channel(s) scaled down before calibration");
        }
        var ranges = ActivationRanges.Calibrate(floatModel, calibration);
        progress?.Report($"calibrated {ranges.Count} activations on {calibration.Length} crops");

        var device = torch.CPU;
        var validationSet = new ValidationSet(task, validation.Select(image => image.CentreCrop(task.RoundUpToScale(settings.ValidationCrop))).ToArray(), settings.Seed, told);
        var (tail, tailed) = FloatTail(FloatHead(floatModel, settings.FloatHead), ranges, validationSet, settings, progress);
        var learnRanges = settings.RangeLearningRate > 0;
        using var graph = new FakeQuantizedGraph(tailed, ranges, learnRanges);
        var calibrated = validationSet.MeanPsnr(graph, device);
        progress?.Report($"fake-quantized validation PSNR after calibration {calibrated:F3} dB (float head {settings.FloatHead}, float tail {tail})");
        var best = calibrated;
        var bestStep = 0;
        var bestModel = graph.ToModelProto();
        var bestRanges = ranges;
        if (settings.TuningSteps > 0)
        {
            var groups = new List<TorchSharp.Modules.Adam.ParamGroup> { new(graph.WeightParameters(), lr: settings.LearningRate) };
            if (learnRanges) groups.Add(new(graph.RangeParameters(), lr: settings.RangeLearningRate));
            using var optimizer = torch.optim.Adam(groups, lr: settings.LearningRate);
            var step = new TrainingStep(graph, optimizer, loss ?? RestorationLoss.For(task), sampler, settings.Batch, device);
            var tuned = optimizer.ParamGroups.ToArray();
            var rates = tuned.Select(g => g.LearningRate).ToArray();
            graph.train();
            for (var i = 1; i <= settings.TuningSteps; i++)
            {
                for (var g = 0; g < tuned.Length; g++) tuned[g].LearningRate = rates[g] * settings.LearningRateFactorAt(i);
                var value = step.Run(random);
                if (!double.IsFinite(value)) throw new InvalidOperationException($"int8 tuning diverged: loss {value} at step {i}");
                if (i % settings.ValidateEvery != 0 && i != settings.TuningSteps) continue;
                var psnr = validationSet.MeanPsnr(graph, device);
                progress?.Report($"int8 tuning step {i}/{settings.TuningSteps}: learning rates ×{tuned[0].LearningRate / rates[0]:F3}, loss {value:F5}, fake-quantized validation PSNR {psnr:F3} dB");
                if (psnr > best) (best, bestStep, bestModel, bestRanges) = (psnr, i, graph.ToModelProto(), graph.Ranges());
            }
        }
        return (QdqQuantizer.Quantize(bestModel, bestRanges), new Int8Band(calibrated, best, bestStep), tail);
    }

    /// <summary>How many convolutions the graph's plan leaves in int8.</summary>
    private static int Int8Convolutions(ModelProto model)
    {
        var plan = QuantizationPlan.Of(model);
        return plan.Nodes.Count(i => model.Graph.Node[i].OpType == "Conv");
    }

    /// <summary>How many convolutions the graph's plan leaves in int8; depths that admit no plan are the setting's error.</summary>
    private static int Int8Convolutions(ModelProto model, string setting)
    {
        try { return Int8Convolutions(model); }
        catch (NotSupportedException e) { throw new SettingException(setting, e.Message); }
    }

    /// <summary>A plan exists for the graph's head and tail and leaves some convolution in int8.</summary>
    private static bool Admissible(ModelProto model)
    {
        try { return Int8Convolutions(model) > 0; }
        catch (NotSupportedException) { return false; }
    }

    /// <summary>The graph with its first <paramref name="head"/> convolutions float (<see cref="QuantizationPlan.FloatHeadKey"/>), refused where nothing would be left in int8.</summary>
    private static ModelProto FloatHead(ModelProto floatModel, int head)
    {
        if (head == 0) return floatModel;
        var headed = QuantizationPlan.WithFloatHead(floatModel, head);
        return Int8Convolutions(headed, "int8_float_head") > 0 ? headed
            : throw new SettingException("int8_float_head", $"{head} keeps the whole network float (it is {QuantizationPlan.Of(headed).Depth} convolutions deep): nothing would be int8");
    }

    /// <summary>
    /// The float tail (<see cref="QuantizationPlan.FloatTailKey"/>) the settings give, or the fewest last convolutions
    /// kept float for which the calibrated fake-quantized validation is within the tail's target of the float graph's
    /// (short of the whole network); when none is, none: int8 where it is fastest, the measured curve in the progress
    /// for a user who would trade speed for some of it (a tail that stops short of the target buys little speed — the
    /// gray default's curve ran 0.24 dB short with all but its first level float).
    /// </summary>
    private static (int Tail, ModelProto Model) FloatTail(ModelProto floatModel, IReadOnlyDictionary<string, ValueRange> ranges, ValidationSet validation,
        Int8Settings settings, IProgress<string>? progress)
    {
        var depth = QuantizationPlan.Of(floatModel).Depth;
        if (settings.FloatTail is { } fixedTail)
        {
            var tailed = QuantizationPlan.WithFloatTail(floatModel, fixedTail);
            return Int8Convolutions(tailed, "int8_float_tail") > 0 ? (fixedTail, tailed)
                : throw new SettingException("int8_float_tail", $"{fixedTail}{(settings.FloatHead > 0 ? $" with a float head of {settings.FloatHead}" : "")} keeps the whole network float (it is {depth} convolutions deep): nothing would be int8");
        }
        double Psnr(ModelProto model)
        {
            using var graph = new FakeQuantizedGraph(model, ranges);
            return validation.MeanPsnr(graph, torch.CPU);
        }
        var target = Psnr(QuantizationPlan.WithFloatTail(floatModel, depth)) - settings.FloatTailTargetDb;
        for (var tail = 0; tail < depth; tail++)
        {
            // with a float head: tails that leave nothing in int8, or that would read a value the head rounds, are not choices
            var tailed = QuantizationPlan.WithFloatTail(floatModel, tail);
            if (!Admissible(tailed)) continue;
            var psnr = Psnr(tailed);
            progress?.Report($"int8 with the last {tail} convolutions float: fake-quantized validation PSNR {psnr:F3} dB (float {target + settings.FloatTailTargetDb:F3})");
            if (psnr >= target) return (tail, tailed);
        }
        progress?.Report($"no float tail short of the whole network comes within {settings.FloatTailTargetDb} dB of float: all of it in int8");
        return (0, QuantizationPlan.WithFloatTail(floatModel, 0));
    }

    /// <summary>The graph's feeds for one sampled network input (told the noise: split into the image and its level).</summary>
    private static IReadOnlyDictionary<string, OrtTensors.DenseTensor<float>> Feed(PlanarImage networkInput, bool told)
    {
        var (image, level) = told ? NoiseLevelMap.Split(networkInput) : (networkInput, 0f);
        var feed = new Dictionary<string, OrtTensors.DenseTensor<float>>(StringComparer.Ordinal)
        {
            [OnnxExporter.InputName] = new(image.Data.ToArray(), new[] { 1, image.Channels, image.Height, image.Width }),
        };
        if (told) feed[NoiseLevelMap.InputName] = NoiseLevelFeed.Tensor(level);
        return feed;
    }
}
