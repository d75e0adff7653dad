using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using HiNas.Cli.Infrastructure;
using HiNas.Imaging.IO;
using HiNas.Imaging.Metrics;

namespace HiNas.Cli.Commands;

/// <summary>`hinas metrics REFERENCE TEST [--y-channel] [--shave N] [--json]`</summary>
public static class MetricsCommand
{
    public static Command Create(CliOutput output)
    {
        var reference = new Argument<FileInfo>("REFERENCE") { Description = "the clean reference image (PNG, JPEG or BMP)" };
        var test = new Argument<FileInfo>("TEST") { Description = "the image to measure against it" };
        var yChannel = new Option<bool>("--y-channel") { Description = "measure RGB images on the Y channel (BT.601 studio range), as for super-resolution" };
        var shave = new Option<int>("--shave") { Description = "pixels to ignore at each border (the SR scale, by convention)", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "print one JSON object instead of text" };

        var command = new Command("metrics", "PSNR and SSIM of TEST against REFERENCE on the [0,255] scale") { reference, test, yChannel, shave, json };
        command.SetAction(parse =>
        {
            var shaveValue = parse.GetValue(shave);
            if (shaveValue < 0) throw new CliUsageException($"--shave must be ≥ 0, got {shaveValue}");
            var referencePath = parse.GetValue(reference)!.FullName;
            var testPath = parse.GetValue(test)!.FullName;
            var a = ImageFile.Load(referencePath);
            var b = ImageFile.Load(testPath);
            if (!a.SameShape(b))
                throw new CliUsageException($"the images differ in shape: '{referencePath}' is {a.ShapeText}, '{testPath}' is {b.ShapeText} (channels×height×width)");
            var score = QualityMetrics.Measure(a, b, parse.GetValue(yChannel), shaveValue);
            if (parse.GetValue(json))
            {
                var result = new MetricsResult(score.Psnr, score.Ssim, a.Channels, a.Height, a.Width, parse.GetValue(yChannel) && a.Channels == 3, shaveValue);
                output.Out.WriteLine(JsonSerializer.Serialize(result, CliJson.Options));
            }
            else
            {
                output.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"PSNR {score.Psnr:F4} dB  SSIM {score.Ssim:F6}"));
            }
            return ExitCodes.Success;
        });
        return command;
    }

    private sealed record MetricsResult(double Psnr, double Ssim, int Channels, int Height, int Width, bool YChannel, int Shave);
}
