using System.CommandLine;
using HiNas.Cli.Infrastructure;
using HiNas.Imaging.Degradations;
using HiNas.Imaging.IO;
using HiNas.Nas.Runs;

namespace HiNas.Cli.Commands;

/// <summary>`hinas degrade INPUT OUTPUT [--noise-sigma S --seed N] [--downscale K | --upscale K]`</summary>
public static class DegradeCommand
{
    public static Command Create(CliOutput output)
    {
        var input = new Argument<FileInfo>("INPUT") { Description = "the image to degrade (PNG, JPEG or BMP)" };
        var outputPath = new Argument<FileInfo>("OUTPUT") { Description = "where to write the result (.png)" };
        var sigma = new Option<double?>("--noise-sigma") { Description = "add Gaussian noise of this σ on the [0,255] scale (clipped to the 8-bit range when written)" };
        var seed = new Option<ulong>("--seed") { Description = "noise seed: the same seed gives the same noise", DefaultValueFactory = _ => 0 };
        var downscale = new Option<int?>("--downscale") { Description = "MATLAB-style bicubic downscale by 2, 3 or 4 (output ceil(size/K))" };
        var upscale = new Option<int?>("--upscale") { Description = "MATLAB-style bicubic upscale by 2, 3 or 4" };

        var command = new Command("degrade", "Degrade an image: bicubic down/upscaling (MATLAB imresize conventions) and/or Gaussian noise; writes a PNG")
        {
            input, outputPath, sigma, seed, downscale, upscale,
        };
        command.SetAction(parse =>
        {
            var down = parse.GetValue(downscale);
            var up = parse.GetValue(upscale);
            var noise = parse.GetValue(sigma);
            if (down is not null && up is not null) throw new CliUsageException("--downscale and --upscale exclude each other");
            if (down is null && up is null && noise is null) throw new CliUsageException("nothing to do: give --noise-sigma, --downscale or --upscale");
            if (down is { } d && d is < 2 or > 4) throw new CliUsageException($"--downscale must be 2, 3 or 4, got {d}");
            if (up is { } u && u is < 2 or > 4) throw new CliUsageException($"--upscale must be 2, 3 or 4, got {u}");
            if (noise is { } s && (!double.IsFinite(s) || s <= 0 || s > 255)) throw new CliUsageException($"--noise-sigma must be in (0, 255], got {s}");
            var target = parse.GetValue(outputPath)!.FullName;
            if (!string.Equals(Path.GetExtension(target), ".png", StringComparison.OrdinalIgnoreCase))
                throw new CliUsageException($"OUTPUT '{target}' must end in .png (degrade writes PNG)");

            var image = ImageFile.Load(parse.GetValue(input)!.FullName);
            if (down is { } factorDown) image = MatlabBicubic.Downscale(image, factorDown);
            if (up is { } factorUp) image = MatlabBicubic.Upscale(image, factorUp);
            if (noise is { } sigmaValue) image = GaussianNoise.Apply(image, sigmaValue, parse.GetValue(seed));
            RunFiles.WriteAtomic(target, stream => stream.Write(ImageFile.EncodePng(image)));
            output.Out.WriteLine($"wrote {target} ({image.Width}×{image.Height}, {(image.IsGray ? "gray" : "RGB")})");
            return ExitCodes.Success;
        });
        return command;
    }
}
