using System.CommandLine;
using HiNas.Cli.Infrastructure;
using HiNas.Imaging.Datasets;
using HiNas.Imaging.IO;
using HiNas.Nas.Runs;

namespace HiNas.Cli.Commands;

/// <summary>`hinas dataset deadleaves OUTPUT_DIR --count N --size W[xH] --seed N [--gray]`</summary>
public static class DatasetCommand
{
    public static Command Create(CliOutput output)
    {
        var command = new Command("dataset", "Make datasets");
        command.Subcommands.Add(CreateDeadLeaves(output));
        return command;
    }

    private static Command CreateDeadLeaves(CliOutput output)
    {
        var directory = new Argument<DirectoryInfo>("OUTPUT_DIR") { Description = "folder to write the PNGs into (created if missing)" };
        var count = new Option<int>("--count") { Description = "number of images", Required = true };
        var size = new Option<string>("--size") { Description = "image size W or WxH in pixels", Required = true };
        var seed = new Option<ulong>("--seed") { Description = "seed: the same seed gives byte-identical images", DefaultValueFactory = _ => 0 };
        var gray = new Option<bool>("--gray") { Description = "one-channel images instead of RGB" };

        var command = new Command("deadleaves", "Write procedural dead-leaves images (the default training data when no folder is given)")
        {
            directory, count, size, seed, gray,
        };
        command.SetAction(parse =>
        {
            var n = parse.GetValue(count);
            if (n is < 1 or > 1_000_000) throw new CliUsageException($"--count must be in [1, 1000000], got {n}");
            var (width, height) = OptionParsing.ParseSize(parse.GetValue(size)!, "--size");
            if ((long)width * height > 64L * 1024 * 1024) throw new CliUsageException($"--size {width}x{height} is larger than 64 megapixels");
            var channels = parse.GetValue(gray) ? 1 : 3;
            var folder = parse.GetValue(directory)!.FullName;
            if (File.Exists(folder)) throw new CliUsageException($"OUTPUT_DIR '{folder}' is a file");
            Directory.CreateDirectory(folder);

            var source = new DeadLeavesSource(n, width, height, parse.GetValue(seed));
            Parallel.For(0, n, i =>
            {
                var image = source.Load(i, channels);
                RunFiles.WriteAtomic(Path.Combine(folder, source.Name(i)), stream => stream.Write(ImageFile.EncodePng(image)));
            });
            output.Out.WriteLine($"wrote {n} {(channels == 1 ? "gray" : "RGB")} {width}×{height} dead-leaves images to {folder}");
            return ExitCodes.Success;
        });
        return command;
    }
}
