using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using HiNas.Cli.Infrastructure;
using HiNas.Imaging.Tasks;
using HiNas.Pipelines;
using HiNas.Search.Latency;
using HiNas.Search.Searching;
using HiNas.Nas.Latency;
using HiNas.Nas.Runs;
using HiNas.Nas.Settings;
using HiNas.Nas.Workers;

namespace HiNas.Cli.Commands;

/// <summary>`hinas profile-latency --task … --resolution WxH --out TABLE.json`: the latency table of a search space on this machine.</summary>
public static class ProfileLatencyCommand
{
    public static Command Create(CliOutput output)
    {
        var task = new TaskOptions();
        var space = new SearchSpaceOptions();
        var resolution = new Option<string>("--resolution") { Description = "the model input's size, WIDTHxHEIGHT (for SR the low-resolution input, e.g. 640x360 for a 1280x720 ×2 output)", DefaultValueFactory = _ => "1280x720" };
        var repeats = new Option<int>("--repeats") { Description = "timed runs per part (the median is kept)", DefaultValueFactory = _ => ProfileOptions.DefaultRepeats };
        var outFile = new Option<FileInfo>("--out") { Description = "the table to write (hinas.latency/v1 JSON)", Required = true };
        var precision = new Option<string>("--precision")
        {
            Description = $"time the parts in {ModelPrecision.Float32} or as an int8 export runs them ({ModelPrecision.Int8}: uint8 activations in and out); a search on an int8 table targets int8, its budget verdicts measured in int8",
            DefaultValueFactory = _ => ModelPrecision.Float32,
        };
        precision.AcceptOnlyFromAmong(ModelPrecision.All);
        var json = new Option<bool>("--json") { Description = "print a one-line JSON summary" };
        var command = new Command("profile-latency", "Measure with ONNX Runtime every part (operation × width, projections, stem, heads) of a search space at a resolution");
        task.AddTo(command);
        space.AddTo(command);
        foreach (var option in new Option[] { resolution, repeats, precision, outFile, json }) command.Options.Add(option);
        command.SetAction(parse =>
        {
            var supernet = SearchOptionsResolver.Resolve(task.Resolve(parse), space.ToSettings(parse)).Supernet;
            var (width, height) = ParseResolution(parse.GetValue(resolution)!);
            if (LatencyTable.ResolutionProblem(width, height, supernet.PixelUnshuffle) is { } problem) throw new CliUsageException($"--resolution {problem}");
            var show = !parse.GetValue(json);
            var (path, table, floor, measuredFloor) = LatencyProfilePipeline.Run(supernet.Space, width, height, parse.GetValue(repeats), parse.GetValue(outFile)!.FullName, show
                ? (key, ms) => output.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{key,-28} {ms,9:F3} ms"))
                : null, parse.GetValue(precision)!);
            if (show)
            {
                output.Out.WriteLine($"{table.Milliseconds.Count} parts at {width}×{height} in {table.Precision} on {table.Device}, {table.Runtime} → {path}");
                if (table.Reorders is { } reorders)
                    output.Out.WriteLine("blocked-layout reorders taken off the fused parts' ends (a pair, in and out): "
                        + string.Join(", ", reorders.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Key} channels {r.Value:F3} ms"))));
                output.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"cheapest network of this space (every edge {string.Join(" or ", floor.Operations)}, width path [{string.Join(",", floor.Network.WidthPath)}]): {measuredFloor:F1} ms measured, {floor.Milliseconds:F1} ms predicted; no budget below it can be met"));
            }
            else output.Out.WriteLine(JsonSerializer.Serialize(new { Table = path, Parts = table.Milliseconds.Count, table.Device, table.Runtime, Width = width, Height = height, table.Precision, table.Reorders, FloorMs = floor.Milliseconds, FloorMeasuredMs = measuredFloor }, CliJson.Options));
            return ExitCodes.Success;
        });
        return command;
    }

    public static (int Width, int Height) ParseResolution(string text) =>
        LatencyTable.TryParseResolution(text, out var w, out var h)
            ? (w, h)
            : throw new CliUsageException($"--resolution '{text}' must be WIDTHxHEIGHT with each side in [8, 8192], e.g. 1280x720");
}
