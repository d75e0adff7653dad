using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using HiNas.Cli.Infrastructure;
using HiNas.Imaging.IO;
using HiNas.Inference.Engine;
using HiNas.Nas.Runs;

namespace HiNas.Cli.Commands;

/// <summary>
/// `hinas restore INPUT OUTPUT --model MODEL_DIR|ID [--repository DIR]`: one image into a PNG, or every image of a
/// folder (PNG, JPEG, BMP; not recursive) into PNGs of the same names in the OUTPUT folder, with the median time.
/// </summary>
public static class RestoreCommand
{
    public static Command Create(CliOutput output)
    {
        var input = new Argument<string>("INPUT") { Description = "image to restore (PNG, JPEG, BMP), or a folder of them" };
        var target = new Argument<string>("OUTPUT") { Description = "where to write the restored image (.png), or the folder for a folder's images" };
        var model = new Option<string>("--model") { Description = "a model package folder, or a model id in --repository", Required = true };
        var repository = new Option<DirectoryInfo?>("--repository") { Description = $"folder of model packages (default ./{ModelResolver.DefaultRepository})" };
        var sigma = new Option<double?>("--sigma") { Description = "the images' noise σ on the 0–255 scale (0: clean), for a denoiser that takes it (trained with --noise-map); default: the model's own σ" };
        var command = new Command("restore", "Restore an image, or a folder of images, with an ONNX model package (denoise, or upscale)") { input, target, model, repository, sigma };
        command.SetAction(parse =>
        {
            var inPath = Path.GetFullPath(parse.GetValue(input)!);
            var outPath = Path.GetFullPath(parse.GetValue(target)!);
            var folder = Directory.Exists(inPath);
            if (!folder && !File.Exists(inPath)) throw new CliUsageException($"INPUT '{inPath}' is neither an image nor a folder");
            var images = folder
                ? Directory.GetFiles(inPath).Where(ImageFile.HasImageExtension).Order(StringComparer.Ordinal).ToArray()
                : new[] { inPath };
            if (images.Length == 0) throw new CliUsageException($"INPUT folder '{inPath}' has no .png, .jpg, .jpeg or .bmp files");
            if (folder)
            {
                if (File.Exists(outPath)) throw new CliUsageException($"OUTPUT '{outPath}' is a file; a folder's images go to a folder");
                if (outPath.TrimEnd('/') == inPath.TrimEnd('/')) throw new CliUsageException("OUTPUT must not be the INPUT folder");
                if (images.GroupBy(Path.GetFileNameWithoutExtension).FirstOrDefault(g => g.Count() > 1) is { } clash)
                    throw new CliUsageException($"INPUT folder '{inPath}' has {clash.Count()} images named '{clash.Key}' ({string.Join(", ", clash.Select(Path.GetFileName))}); each is written as '{clash.Key}.png'");
            }
            else if (!string.Equals(Path.GetExtension(outPath), ".png", StringComparison.OrdinalIgnoreCase))
                throw new CliUsageException($"OUTPUT '{outPath}' must end in .png");

            using var opened = ModelResolver.Open(parse.GetValue(model)!, parse.GetValue(repository)?.FullName);
            var noise = parse.GetValue(sigma);
            if (opened.Model.Manifest.SigmaProblem(noise) is { } sigmaProblem) throw new CliUsageException($"--sigma {sigmaProblem}");
            if (folder) Directory.CreateDirectory(outPath);
            var times = new List<double>();
            foreach (var file in images)
            {
                var image = ImageFile.Load(file);
                var clock = Stopwatch.StartNew();
                var restored = InferenceEngine.Restore(opened.Model, image, noise);
                var ms = clock.Elapsed.TotalMilliseconds;
                times.Add(ms);
                var written = folder ? Path.Combine(outPath, Path.GetFileNameWithoutExtension(file) + ".png") : outPath;
                RunFiles.WriteAtomic(written, stream => stream.Write(ImageFile.EncodePng(restored)));
                output.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"wrote {written} ({restored.Width}×{restored.Height}, {(restored.IsGray ? "gray" : "RGB")}) with '{opened.Model.Id}' on {opened.Model.ExecutionProvider} in {ms:F0} ms"));
            }
            if (folder)
            {
                var sorted = times.Order().ToArray();
                var median = (sorted[(sorted.Length - 1) / 2] + sorted[sorted.Length / 2]) / 2;
                output.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"restored {images.Length} images; median {median:F1} ms per image"));
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
