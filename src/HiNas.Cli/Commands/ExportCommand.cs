using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using HiNas.Cli.Infrastructure;
using HiNas.Nas.Settings;
using HiNas.Nas.Workers;
using HiNas.Onnx.Packaging;

namespace HiNas.Cli.Commands;

/// <summary>`hinas export --checkpoint TRAIN_DIR --out MODEL_DIR [--id NAME] [--force] [--measure-latency WxH] [--int8 [--int8-tuning-steps N] [--int8-learning-rate R] [--int8-range-learning-rate R] [--int8-float-tail N] [--int8-float-head N] [--int8-schedule constant|cosine] [--int8-equalize-outliers true|false] [--int8-sigma-bands LIST] [--int8-batch N] [--int8-tolerance-db D]]`</summary>
public static class ExportCommand
{
    public static Command Create(CliOutput output)
    {
        var checkpoint = new Option<DirectoryInfo>("--checkpoint") { Description = "a training folder from hinas train", Required = true };
        var outDir = new Option<DirectoryInfo>("--out") { Description = "the model package folder to write (model.onnx + manifest.json)", Required = true };
        var id = new Option<string?>("--id") { Description = "model id (default: TASK-ARCH, e.g. denoise-s25-gray-hinas)" };
        var force = new Option<bool>("--force") { Description = "replace an existing package at --out" };
        var json = new Option<bool>("--json") { Description = "print one JSON object" };
        var measure = new Option<string?>("--measure-latency") { Description = "measure the exported model's latency at this input size, WIDTHxHEIGHT, and record it in the manifest" };
        var budget = new Option<double?>("--budget-ms") { Description = "record the frame-time budget the network was searched for (with --measure-latency)" };
        var int8 = new Option<bool>("--int8")
        {
            Description = "write the int8 graph (QDQ: uint8 activations calibrated on the run's training images, int8 per-channel weights, quantization-aware tuning), judged against the float graph by validation PSNR",
        };
        var defaults = new Int8Settings();
        var tuningSteps = new Option<int>("--int8-tuning-steps") { Description = $"quantization-aware tuning steps (0: calibration only; default {defaults.TuningSteps})", DefaultValueFactory = _ => defaults.TuningSteps };
        var tuningRate = new Option<double>("--int8-learning-rate") { Description = $"Adam's learning rate of the quantization-aware tuning (default {defaults.LearningRate})", DefaultValueFactory = _ => defaults.LearningRate };
        var rangeRate = new Option<double>("--int8-range-learning-rate")
        {
            Description = $"Adam's learning rate of the activations' ranges, learned beside the weights during the tuning (each as its logarithm; 0: the calibrated ranges; default {defaults.RangeLearningRate})",
            DefaultValueFactory = _ => defaults.RangeLearningRate,
        };
        var floatTail = new Option<string>("--int8-float-tail")
        {
            Description = "keep the network's last N convolutions (and what follows them) float (default 0), or auto: print the calibrated curve and keep the fewest for which int8 stays within the tolerance (at most 0.1 dB), none when no tail short of the whole network does",
            DefaultValueFactory = _ => "0",
        };
        var floatHead = new Option<int>("--int8-float-head")
        {
            Description = $"keep the network's first N convolutions (and what precedes them) float, so that it reads the image as it came (default {defaults.FloatHead}: the network input rounded on one uint8 range)",
            DefaultValueFactory = _ => defaults.FloatHead,
        };
        var schedule = new Option<string>("--int8-schedule")
        {
            Description = $"the tuning's learning rates: {Int8Settings.ConstantSchedule} or {Int8Settings.CosineSchedule} (falling towards 0 over the steps; default {defaults.Schedule})",
            DefaultValueFactory = _ => defaults.Schedule,
        };
        schedule.AcceptOnlyFromAmong(Int8Settings.ConstantSchedule, Int8Settings.CosineSchedule);
        var outliers = new Option<bool>("--int8-equalize-outliers")
        {
            Description = $"scale down the channels of a ReLU's output that reach far beyond the others before calibration (the graph computes the same; default {defaults.EqualizeOutliers.ToString().ToLowerInvariant()})",
            DefaultValueFactory = _ => defaults.EqualizeOutliers,
        };
        var bands = new Option<string>("--int8-sigma-bands")
        {
            Description = $"a denoiser told the noise: the σ at which its range is cut into bands, each with its own int8 graph, comma-separated (\"\": one graph; default {defaults.SigmaBands})",
            DefaultValueFactory = _ => defaults.SigmaBands,
        };
        var batch = new Option<int>("--int8-batch") { Description = $"training crops per tuning step (default {defaults.Batch})", DefaultValueFactory = _ => defaults.Batch };
        var tolerance = new Option<double>("--int8-tolerance-db") { Description = $"fail when int8 scores more than this many dB under float on the validation images (default {defaults.ToleranceDb})", DefaultValueFactory = _ => defaults.ToleranceDb };
        var command = new Command("export", "Export a trained network to an ONNX model package (BatchNorm folded), checking ONNX Runtime against TorchSharp")
        {
            checkpoint, outDir, id, force, json, measure, budget, int8, tuningSteps, tuningRate, rangeRate, floatTail, floatHead, schedule, outliers, bands, batch, tolerance,
        };
        command.SetAction(parse =>
        {
            var size = parse.GetValue(measure) is { } text ? ProfileLatencyCommand.ParseResolution(text) : ((int, int)?)null;
            var options = new ExportOptions
            {
                Checkpoint = parse.GetValue(checkpoint)!.FullName, Out = parse.GetValue(outDir)!.FullName, Id = parse.GetValue(id), Overwrite = parse.GetValue(force),
                MeasureWidth = size?.Item1, MeasureHeight = size?.Item2, BudgetMs = parse.GetValue(budget),
                Int8 = parse.GetValue(int8) ? defaults with { TuningSteps = parse.GetValue(tuningSteps), LearningRate = parse.GetValue(tuningRate), RangeLearningRate = parse.GetValue(rangeRate), FloatTail = FloatTail(parse.GetValue(floatTail)!), FloatHead = parse.GetValue(floatHead), Schedule = parse.GetValue(schedule)!, EqualizeOutliers = parse.GetValue(outliers), SigmaBands = parse.GetValue(bands)!, Batch = parse.GetValue(batch), ToleranceDb = parse.GetValue(tolerance) } : null,
            };
            if (!parse.GetValue(int8) && new Option[] { tuningSteps, tuningRate, rangeRate, floatTail, floatHead, schedule, outliers, bands, batch, tolerance }.Any(o => parse.GetResult(o) is { Implicit: false }))
                throw new SettingException("int8", "--int8-tuning-steps, --int8-learning-rate, --int8-range-learning-rate, --int8-float-tail, --int8-float-head, --int8-schedule, --int8-equalize-outliers, --int8-sigma-bands, --int8-batch and --int8-tolerance-db need --int8");
            options.Validate();
            var result = ModelExport.From(options, parse.GetValue(json) ? null : new LineProgress<string>(line => $"hinas: {line}", output.Error));
            var m = result.Package.Manifest;
            if (parse.GetValue(json))
            {
                output.Out.WriteLine(JsonSerializer.Serialize(new { m.Id, Folder = result.Package.Folder, result.ParityMaxAbsDiff, result.ParitySizes, m.Params, m.FlopsPerMegapixel, m.ModelBytes, m.Precision, m.Metrics, m.Latency }, CliJson.Options));
                return ExitCodes.Success;
            }
            output.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"parity: max |ONNX Runtime − TorchSharp| = {result.ParityMaxAbsDiff:E2} on {string.Join(", ", result.ParitySizes)} (limit {ModelExport.ParityTolerance:E0})"));
            output.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote model '{m.Id}' to {result.Package.Folder} ({m.Precision}, {m.ModelBytes:N0} bytes, {m.Params:N0} parameters)"));
            if (m.Metrics is { } metrics && metrics.TryGetValue("int8_validation_psnr", out var int8Psnr))
                output.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"int8: {int8Psnr:F3} dB on the validation images against float {metrics["float_validation_psnr"]:F3} dB (best after {KeptSteps(metrics)} tuning steps)"));
            if (m.Latency is { } l)
                output.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"latency {l.MeasuredMs:F1} ms per {l.Width}×{l.Height} frame on {l.Device}{(l.BudgetMs is { } bm ? $" (budget {bm:F1} ms: {(l.MeasuredMs <= bm ? "met" : "MISSED")})" : "")}"));
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The tuning step each int8 graph was kept at: one number, or one per σ band ("750 / 1000 / 500").</summary>
    private static string KeptSteps(IReadOnlyDictionary<string, double> metrics) =>
        metrics.TryGetValue("int8_sigma_bands", out var bands)
            ? string.Join(" / ", Enumerable.Range(0, (int)bands).Select(i => metrics[$"int8_tuning_steps_band_{i}"].ToString("F0", CultureInfo.InvariantCulture)))
            : metrics["int8_tuning_steps"].ToString("F0", CultureInfo.InvariantCulture);

    /// <summary>--int8-float-tail: a count of convolutions, or auto (null).</summary>
    private static int? FloatTail(string text) =>
        text.Trim().Equals("auto", StringComparison.OrdinalIgnoreCase) ? null
        : int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n
        : throw new SettingException("int8_float_tail", $"'{text}' is not a count of convolutions or auto");
}
