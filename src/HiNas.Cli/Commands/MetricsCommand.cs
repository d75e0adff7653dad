using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using HiNas.Cli.Infrastructure;
using HiNas.Imaging.IO;
using HiNas.Imaging.Metrics;

namespace HiNas.Cli.Commands;

/// <summary>
/// `hinas metrics REFERENCE TEST [--y-channel] [--shave N] [--json]`: two images, or two folders — every image of the
/// REFERENCE folder against the image of the same name (any of the image extensions) in the TEST folder, and the means.
/// </summary>
public static class MetricsCommand
{
    public static Command Create(CliOutput output)
    {
        var reference = new Argument<string>("REFERENCE") { Description = "the clean reference image (PNG, JPEG or BMP), or a folder of them" };
        var test = new Argument<string>("TEST") { Description = "the image to measure against it, or a folder with an image of the same name for each" };
        var yChannel = new Option<bool>("--y-channel") { Description = "measure RGB images on the Y channel (BT.601 studio range), as for super-resolution" };
        var shave = new Option<int>("--shave") { Description = "pixels to ignore at each border (the SR scale, by convention)", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "print one JSON object instead of text" };

        var command = new Command("metrics", "PSNR and SSIM of TEST against REFERENCE on the [0,255] scale (two images, or two folders)") { reference, test, yChannel, shave, json };
        command.SetAction(parse =>
        {
            var shaveValue = parse.GetValue(shave);
            if (shaveValue < 0) throw new CliUsageException($"--shave must be ≥ 0, got {shaveValue}");
            var referencePath = Path.GetFullPath(parse.GetValue(reference)!);
            var testPath = Path.GetFullPath(parse.GetValue(test)!);
            var y = parse.GetValue(yChannel);
            var folder = Directory.Exists(referencePath);
            var pairs = Pairs(referencePath, testPath);
            var scores = pairs.Select(p =>
            {
                var (a, b) = (ImageFile.Load(p.Reference), ImageFile.Load(p.Test));
                if (!a.SameShape(b))
                    throw new CliUsageException($"the images differ in shape: '{p.Reference}' is {a.ShapeText}, '{p.Test}' is {b.ShapeText} (channels×height×width)");
                var score = QualityMetrics.Measure(a, b, y, shaveValue);
                return new ImageScore(Path.GetFileName(p.Reference), score.Psnr, score.Ssim, a.Channels, a.Height, a.Width);
            }).ToList();
            var (psnr, ssim) = (scores.Average(s => s.Psnr), scores.Average(s => s.Ssim));
            var first = scores[0];
            if (parse.GetValue(json))
            {
                object result = folder
                    ? new FolderResult(psnr, ssim, scores.Count, y && scores.All(s => s.Channels == 3), shaveValue, scores)
                    : new MetricsResult(psnr, ssim, first.Channels, first.Height, first.Width, y && first.Channels == 3, shaveValue);
                output.Out.WriteLine(JsonSerializer.Serialize(result, CliJson.Options));
            }
            else
            {
                if (folder)
                    foreach (var s in scores) output.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{s.Name}: PSNR {s.Psnr:F4} dB  SSIM {s.Ssim:F6}"));
                output.Out.WriteLine(folder
                    ? string.Create(CultureInfo.InvariantCulture, $"mean over {scores.Count} images: PSNR {psnr:F4} dB  SSIM {ssim:F6}")
                    : string.Create(CultureInfo.InvariantCulture, $"PSNR {psnr:F4} dB  SSIM {ssim:F6}"));
            }
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The (reference, test) files: the two paths, or each image of the reference folder and its namesake in the test folder.</summary>
    private static IReadOnlyList<(string Reference, string Test)> Pairs(string reference, string test)
    {
        if (!Directory.Exists(reference))
        {
            if (Directory.Exists(test)) throw new CliUsageException($"TEST '{test}' is a folder but REFERENCE '{reference}' is not");
            return new[] { (reference, test) };
        }
        if (!Directory.Exists(test)) throw new CliUsageException($"REFERENCE '{reference}' is a folder but TEST '{test}' is not");
        var references = Directory.GetFiles(reference).Where(ImageFile.HasImageExtension).Order(StringComparer.Ordinal).ToArray();
        if (references.Length == 0) throw new CliUsageException($"REFERENCE folder '{reference}' has no .png, .jpg, .jpeg or .bmp files");
        var tests = Directory.GetFiles(test).Where(ImageFile.HasImageExtension).GroupBy(f => Path.GetFileNameWithoutExtension(f)).ToDictionary(g => g.Key, g => g.ToArray());
        return references.Select(r =>
        {
            var stem = Path.GetFileNameWithoutExtension(r);
            if (!tests.TryGetValue(stem, out var found)) throw new CliUsageException($"TEST folder '{test}' has no image named '{stem}' (for '{r}')");
            if (found.Length > 1) throw new CliUsageException($"TEST folder '{test}' has {found.Length} images named '{stem}'");
            return (r, found[0]);
        }).ToArray();
    }

    private sealed record MetricsResult(double Psnr, double Ssim, int Channels, int Height, int Width, bool YChannel, int Shave);

    private sealed record ImageScore(string Name, double Psnr, double Ssim, int Channels, int Height, int Width);

    private sealed record FolderResult(double Psnr, double Ssim, int Images, bool YChannel, int Shave, IReadOnlyList<ImageScore> PerImage);
}
