using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using HiNas.Cli.Infrastructure;
using HiNas.Imaging.Tasks;
using HiNas.Search.Data;
using HiNas.Search.Genotypes;
using HiNas.Search.Searching;
using HiNas.Search.Supernets;

namespace HiNas.Cli.Commands;

/// <summary>`hinas search --task denoise|sr … --out RUN_DIR`, `--resume RUN_DIR`, `--profile-memory`.</summary>
public static class SearchCommand
{
    public static Command Create(CliOutput output)
    {
        var defaults = SearchOptions.DefaultsFor(RestorationTask.Denoise(25, 1));
        var taskOptions = new TaskOptions();
        var data = new Option<string>("--data") { Description = "training images: a folder, deadleaves, or deadleaves:COUNTxSIZE", DefaultValueFactory = _ => "deadleaves" };
        var layers = new Option<int?>("--layers") { Description = "L, layers of cells (default 3 for denoising, 2 for SR)" };
        var blocks = new Option<int?>("--blocks") { Description = $"B, nodes per cell (default {defaults.Supernet.Blocks})" };
        var filters = new Option<int?>("--filters") { Description = "F, channels per node at width factor 1 (default 10 for denoising, 8 for SR)" };
        var stem = new Option<int?>("--stem-channels") { Description = $"channels of the stem convolution (default {defaults.Supernet.StemChannels})" };
        var epochs = new Option<int?>("--epochs") { Description = $"epochs (default {defaults.Epochs})" };
        var warmup = new Option<int?>("--warmup") { Description = $"warm-up epochs with weight updates only (default {defaults.Warmup})" };
        var steps = new Option<int?>("--steps-per-epoch") { Description = $"search steps per epoch (default {defaults.StepsPerEpoch})" };
        var batch = new Option<int?>("--batch") { Description = $"patches per batch (default {defaults.Batch})" };
        var crop = new Option<int?>("--crop") { Description = "target (HR) patch size in pixels (default 32, rounded up to a multiple of the scale)" };
        var seed = new Option<ulong?>("--seed") { Description = $"seed of the data, split, sampling and initialisation (default {defaults.Seed})" };
        var tie = new Option<bool>("--tie-cells") { Description = "one α for all layers (ablation of layer-wise architecture sharing)" };
        var noSharing = new Option<bool>("--no-cell-sharing") { Description = "run one cell per incoming path (the per-path baseline of the memory claim)" };
        var preset = new Option<string?>("--preset") { Description = "the paper's configuration: paper-denoise or paper-sr (explicit options still apply on top)" };
        preset.AcceptOnlyFromAmong(SearchPresets.Names.ToArray());
        var threads = new Option<int?>("--threads") { Description = "CPU threads (default: all cores)" };
        var device = new Option<string>("--device") { Description = "auto, cpu, cuda or cuda:N", DefaultValueFactory = _ => "auto" };
        var outDir = new Option<DirectoryInfo?>("--out") { Description = "run folder to create (genotype.json, options.json, events.jsonl, checkpoints/)" };
        var resume = new Option<DirectoryInfo?>("--resume") { Description = "continue the search in this run folder from its newest checkpoint" };
        var profile = new Option<bool>("--profile-memory") { Description = "run a few search steps and print peak memory and seconds per step as JSON" };
        var profileSteps = new Option<int>("--profile-steps") { Description = "steps for --profile-memory", DefaultValueFactory = _ => 4 };
        var json = new Option<bool>("--json") { Description = "print the result as one JSON object" };
        var optionsFile = new Option<FileInfo?>("--options-file") { Description = "take every setting from a resolved options JSON (an earlier run's options.json) instead of the options above" };

        var command = new Command("search", "HiNAS search: find a cell per layer and a width path for denoising or super-resolution")
        {
            data, layers, blocks, filters, stem, epochs, warmup, steps, batch, crop, seed,
            tie, noSharing, preset, threads, device, outDir, resume, profile, profileSteps, json, optionsFile,
        };
        taskOptions.AddTo(command);
        command.SetAction((parse, cancellation) =>
        {
            var resumeDir = parse.GetValue(resume);
            if (resumeDir is not null)
            {
                if (parse.GetValue(outDir) is not null || taskOptions.IsGiven(parse))
                    throw new CliUsageException("--resume continues a run with its saved options; do not combine it with --out or --task");
                return Task.FromResult(Finish(output, parse.GetValue(json), resumeDir.FullName,
                    ProgressView.Search(output, !parse.GetValue(json), p => Searcher.Resume(resumeDir.FullName, p, cancellation))));
            }

            var options = parse.GetValue(optionsFile) is { } file ? FromFile(file) : Resolve(parse);
            if (parse.GetValue(profile))
            {
                var report = SearchProfiler.Profile(options, parse.GetValue(profileSteps) is var n && n >= 2 ? n : throw new CliUsageException("--profile-steps must be at least 2"));
                output.Out.WriteLine(JsonSerializer.Serialize(report, CliJson.Options));
                return Task.FromResult(ExitCodes.Success);
            }
            var runDir = parse.GetValue(outDir)?.FullName ?? throw new CliUsageException("--out RUN_DIR is required (or --resume RUN_DIR, or --profile-memory)");
            if (!parse.GetValue(json)) output.Out.WriteLine($"search {options.RunName} → {runDir}");
            var genotype = ProgressView.Search(output, !parse.GetValue(json), p => Searcher.Run(options, runDir, p, cancellation));
            return Task.FromResult(Finish(output, parse.GetValue(json), runDir, genotype));

            SearchOptions FromFile(FileInfo file)
            {
                if (taskOptions.IsGiven(parse) || parse.GetValue(preset) is not null)
                    throw new CliUsageException("--options-file holds the task and every setting; do not combine it with --task or --preset");
                var loaded = SearchOptionsJson.Load(file.FullName);
                loaded.Validate();
                return loaded;
            }

            SearchOptions Resolve(ParseResult p)
            {
                var presetName = p.GetValue(preset);
                var presetKind = presetName is null ? null : SearchPresets.KindOf(presetName) == RestorationKind.Denoise ? "denoise" : "sr";
                var restorationTask = taskOptions.Resolve(p, presetKind);
                var o = SearchOptions.DefaultsFor(restorationTask);
                if (presetName is not null)
                {
                    if (SearchPresets.KindOf(presetName) != restorationTask.Kind) throw new CliUsageException($"--preset {presetName} does not fit --task {p.GetValue(taskOptions.Task)}");
                    o = SearchPresets.Apply(presetName, o);
                }
                var s = o.Supernet;
                o = o with
                {
                    Supernet = s with
                    {
                        Layers = p.GetValue(layers) ?? s.Layers, Blocks = p.GetValue(blocks) ?? s.Blocks, Filters = p.GetValue(filters) ?? s.Filters,
                        StemChannels = p.GetValue(stem) ?? s.StemChannels, TieCells = p.GetValue(tie), CellSharing = !p.GetValue(noSharing),
                    },
                    Data = DataSpec.Parse(p.GetValue(data)),
                    Epochs = p.GetValue(epochs) ?? o.Epochs,
                    Warmup = p.GetValue(warmup) ?? Math.Min(o.Warmup, p.GetValue(epochs) ?? o.Epochs),
                    StepsPerEpoch = p.GetValue(steps) ?? o.StepsPerEpoch,
                    Batch = p.GetValue(batch) ?? o.Batch,
                    Crop = p.GetValue(crop) ?? o.Crop,
                    Seed = p.GetValue(seed) ?? o.Seed,
                    Threads = p.GetValue(threads),
                    Device = p.GetValue(device) ?? "auto",
                };
                o.Validate();
                return o;
            }
        });
        return command;
    }

    private static int Finish(CliOutput output, bool json, string runDir, Genotype genotype)
    {
        var path = Path.Combine(runDir, Searcher.GenotypeFile);
        if (json)
        {
            output.Out.WriteLine(JsonSerializer.Serialize(new
            {
                RunDir = runDir, Genotype = path, genotype.WidthPath,
                Cells = genotype.Cells.Select(c => c.ToString()).ToArray(), AllSkip = genotype.IsAllSkip,
            }, CliJson.Options));
        }
        else
        {
            output.Out.WriteLine($"width path: [{string.Join(", ", genotype.WidthPath)}] (channels per node: {string.Join(", ", genotype.WidthPath.Select(genotype.NodeChannels))})");
            for (var l = 0; l < genotype.Cells.Count; l++) output.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"layer {l + 1}: {genotype.Cells[l]}"));
            output.Out.WriteLine($"wrote {path}");
        }
        return ExitCodes.Success;
    }
}
