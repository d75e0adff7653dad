using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using HiNas.Cli.Infrastructure;
using HiNas.Nas.Workers;
using HiNas.Onnx.Packaging;

namespace HiNas.Cli.Commands;

/// <summary>`hinas export --checkpoint TRAIN_DIR --out MODEL_DIR [--id NAME] [--force]`</summary>
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
        var command = new Command("export", "Export a trained network to an ONNX model package (BatchNorm folded), checking ONNX Runtime against TorchSharp")
        {
            checkpoint, outDir, id, force, json, measure, budget,
        };
        command.SetAction(parse =>
        {
            var size = parse.GetValue(measure) is { } text ? ProfileLatencyCommand.ParseResolution(text) : ((int, int)?)null;
            var options = new ExportOptions
            {
                Checkpoint = parse.GetValue(checkpoint)!.FullName, Out = parse.GetValue(outDir)!.FullName, Id = parse.GetValue(id), Overwrite = parse.GetValue(force),
                MeasureWidth = size?.Item1, MeasureHeight = size?.Item2, BudgetMs = parse.GetValue(budget),
            };
            options.Validate();
            var result = ModelExport.From(options);
            var m = result.Package.Manifest;
            if (parse.GetValue(json))
            {
                output.Out.WriteLine(JsonSerializer.Serialize(new { m.Id, Folder = result.Package.Folder, result.ParityMaxAbsDiff, result.ParitySizes, m.Params, m.FlopsPerMegapixel, m.ModelBytes, m.Latency }, CliJson.Options));
                return ExitCodes.Success;
            }
            output.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"parity: max |ONNX Runtime − TorchSharp| = {result.ParityMaxAbsDiff:E2} on {string.Join(", ", result.ParitySizes)} (limit {ModelExport.ParityTolerance:E0})"));
            output.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote model '{m.Id}' to {result.Package.Folder} ({m.ModelBytes:N0} bytes, {m.Params:N0} parameters)"));
            if (m.Latency is { } l)
                output.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"latency {l.MeasuredMs:F1} ms per {l.Width}×{l.Height} frame on {l.Device}{(l.BudgetMs is { } bm ? $" (budget {bm:F1} ms: {(l.MeasuredMs <= bm ? "met" : "MISSED")})" : "")}"));
            return ExitCodes.Success;
        });
        return command;
    }
}
