using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using HiNas.Cli.Infrastructure;
using HiNas.Imaging.IO;
using HiNas.Inference.Engine;
using HiNas.Nas.Runs;

namespace HiNas.Cli.Commands;

/// <summary>`hinas restore INPUT OUTPUT --model MODEL_DIR|ID [--repository DIR]`</summary>
public static class RestoreCommand
{
    public static Command Create(CliOutput output)
    {
        var input = new Argument<FileInfo>("INPUT") { Description = "image to restore (PNG, JPEG, BMP)" };
        var target = new Argument<FileInfo>("OUTPUT") { Description = "where to write the restored image (.png)" };
        var model = new Option<string>("--model") { Description = "a model package folder, or a model id in --repository", Required = true };
        var repository = new Option<DirectoryInfo?>("--repository") { Description = $"folder of model packages (default ./{ModelResolver.DefaultRepository})" };
        var command = new Command("restore", "Restore an image with an ONNX model package (denoise, or upscale)") { input, target, model, repository };
        command.SetAction(parse =>
        {
            var outPath = parse.GetValue(target)!.FullName;
            if (!string.Equals(Path.GetExtension(outPath), ".png", StringComparison.OrdinalIgnoreCase))
                throw new CliUsageException($"OUTPUT '{outPath}' must end in .png");
            var image = ImageFile.Load(parse.GetValue(input)!.FullName);
            using var opened = ModelResolver.Open(parse.GetValue(model)!, parse.GetValue(repository)?.FullName);
            var clock = Stopwatch.StartNew();
            var restored = InferenceEngine.Restore(opened.Model, image);
            var ms = clock.Elapsed.TotalMilliseconds;
            RunFiles.WriteAtomic(outPath, stream => stream.Write(ImageFile.EncodePng(restored)));
            output.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {outPath} ({restored.Width}×{restored.Height}, {(restored.IsGray ? "gray" : "RGB")}) with '{opened.Model.Id}' on {opened.Model.ExecutionProvider} in {ms:F0} ms"));
            return ExitCodes.Success;
        });
        return command;
    }
}
