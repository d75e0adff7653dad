using System.CommandLine;
using HiNas.Cli.Infrastructure;
using HiNas.Imaging.Datasets;
using HiNas.Imaging.Datasets.Photos;
using HiNas.Imaging.Datasets.Rendered;
using HiNas.Imaging.IO;
using HiNas.Nas.Runs;

namespace HiNas.Cli.Commands;

/// <summary>
/// `hinas dataset deadleaves OUTPUT_DIR --count N --size W[xH] --seed N [--gray]`;
/// `hinas dataset photos OUTPUT_DIR --sources FILE --packages DIR [--max-side N]` (data/photos/collect.sh runs it);
/// `hinas dataset rendered OUTPUT_DIR [--count N] [--size WxH] [--gray] [--training-seed N]` (the rendered evaluation frames, or training ones).
/// </summary>
public static class DatasetCommand
{
    public static Command Create(CliOutput output)
    {
        var command = new Command("dataset", "Make datasets");
        command.Subcommands.Add(CreateDeadLeaves(output));
        command.Subcommands.Add(CreatePhotos(output));
        command.Subcommands.Add(CreateRendered(output));
        return command;
    }

    private static Command CreateRendered(CliOutput output)
    {
        var directory = new Argument<DirectoryInfo>("OUTPUT_DIR") { Description = "folder to write the PNGs into (created if missing)" };
        var count = new Option<int>("--count") { Description = "number of frames", DefaultValueFactory = _ => 24 };
        var size = new Option<string>("--size") { Description = "frame size W or WxH in pixels", DefaultValueFactory = _ => "640x360" };
        var gray = new Option<bool>("--gray") { Description = "one-channel frames instead of RGB" };
        var training = new Option<ulong?>("--training-seed") { Description = "write training frames from this seed's scenes instead of the evaluation frames (never the same scenes)" };
        var command = new Command("rendered", "Write rendered game-like frames (ray-traced scenes with a HUD): by default the fixed evaluation set")
        {
            directory, count, size, gray, training,
        };
        command.SetAction(parse =>
        {
            var n = parse.GetValue(count);
            if (n is < 1 or > 100_000) throw new CliUsageException($"--count must be in [1, 100000], got {n}");
            var (width, height) = OptionParsing.ParseSize(parse.GetValue(size)!, "--size");
            if (width < 8 || height < 8 || (long)width * height > 16L * 1024 * 1024) throw new CliUsageException($"--size {width}x{height} must be at least 8x8 and at most 16 megapixels");
            var folder = parse.GetValue(directory)!.FullName;
            if (File.Exists(folder)) throw new CliUsageException($"OUTPUT_DIR '{folder}' is a file");
            Directory.CreateDirectory(folder);
            var source = parse.GetValue(training) is { } seed
                ? RenderedSceneSource.Training(n, width, height, seed)
                : RenderedSceneSource.Evaluation(n, width, height);
            var channels = parse.GetValue(gray) ? 1 : 3;
            for (var i = 0; i < n; i++)
            {
                var image = source.Load(i, channels);
                RunFiles.WriteAtomic(Path.Combine(folder, source.Name(i)), stream => stream.Write(ImageFile.EncodePng(image)));
            }
            output.Out.WriteLine($"wrote {n} {(channels == 1 ? "gray" : "RGB")} {width}×{height} rendered {(source.IsEvaluation ? "evaluation" : "training")} frames to {folder}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreatePhotos(CliOutput output)
    {
        var directory = new Argument<DirectoryInfo>("OUTPUT_DIR") { Description = "the collection's folder (train/, validation/, evaluation/, manifest.json, licences/); an earlier collection there is replaced" };
        var sources = new Option<FileInfo>("--sources") { Description = "the source list (tab-separated: id package version path sha256 split licence region), e.g. data/photos/sources.tsv", Required = true };
        var packages = new Option<DirectoryInfo>("--packages") { Description = "folder with one extracted Debian package per listed package name (dpkg-deb -x PACKAGE.deb DIR/PACKAGE)", Required = true };
        var maxSide = new Option<int>("--max-side") { Description = "longest side after downscaling by an integer factor", DefaultValueFactory = _ => PhotoCollection.DefaultMaxSide };
        var command = new Command("photos", "Write the photo collection (fixed train/validation/evaluation split) from extracted Debian packages")
        {
            directory, sources, packages, maxSide,
        };
        command.SetAction(parse =>
        {
            var list = parse.GetValue(sources)!;
            if (!list.Exists) throw new CliUsageException($"--sources '{list.FullName}' does not exist");
            var root = parse.GetValue(packages)!;
            if (!root.Exists) throw new CliUsageException($"--packages '{root.FullName}' does not exist");
            var side = parse.GetValue(maxSide);
            if (side is < PhotoCollection.MinimumSide or > 8192) throw new CliUsageException($"--max-side must be in [{PhotoCollection.MinimumSide}, 8192], got {side}");
            var parsed = PhotoSources.Parse(File.ReadAllText(list.FullName), list.FullName);
            var manifest = PhotoCollection.Write(parsed, root.FullName, parse.GetValue(directory)!.FullName, side);
            var counts = string.Join(", ", manifest.Photos.GroupBy(p => p.Split).Select(g => $"{g.Count()} {g.Key}"));
            output.Out.WriteLine($"wrote {manifest.Photos.Count} photographs ({counts}) to {parse.GetValue(directory)!.FullName}");
            return ExitCodes.Success;
        });
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
