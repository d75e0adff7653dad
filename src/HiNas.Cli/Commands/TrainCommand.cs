using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using HiNas.Cli.Infrastructure;
using HiNas.Imaging.Tasks;
using HiNas.Search.Data;
using HiNas.Search.Networks;
using HiNas.Search.Searching;
using HiNas.Search.Training;
using HiNas.Nas.Genotypes;
using HiNas.Nas.Runs;
using HiNas.Nas.Settings;

namespace HiNas.Cli.Commands;

/// <summary>`hinas train (--genotype FILE | --arch dncnn|ffdnet|espcn|fsrcnn|random:SEED | --init-from TRAIN_DIR) … --out TRAIN_DIR`, `--resume TRAIN_DIR`, or `--profile-memory`.</summary>
public static class TrainCommand
{
    public static Command Create(CliOutput output)
    {
        var genotype = new Option<FileInfo?>("--genotype") { Description = "a genotype.json from hinas search (its task is the training task)" };
        var arch = new Option<string?>("--arch") { Description = "a baseline instead: dncnn or ffdnet (denoising; ffdnet runs at a quarter of the pixels), espcn or fsrcnn (SR), or random:SEED (a random genotype from the search space)" };
        var taskOptions = new TaskOptions();
        var settings = new TrainSettingOptions();
        var space = new SearchSpaceOptions(role: "random genotypes: ");
        var threads = new Option<int?>("--threads") { Description = "CPU threads (default: all cores)" };
        var device = new Option<string>("--device") { Description = "auto, cpu, cuda or cuda:N", DefaultValueFactory = _ => "auto" };
        var outDir = new Option<DirectoryInfo?>("--out") { Description = "training folder to create (options.json, events.jsonl, best/model.bin, checkpoints/, summary.json)" };
        var resume = new Option<DirectoryInfo?>("--resume") { Description = "continue the training in this folder from its newest checkpoint" };
        var json = new Option<bool>("--json") { Description = "print the summary as one JSON object" };
        var profile = new Option<bool>("--profile-memory") { Description = "run a few training steps and print peak memory and seconds per step as JSON" };
        var profileSteps = new Option<int>("--profile-steps") { Description = "steps for --profile-memory", DefaultValueFactory = _ => 4 };
        var printOptions = new Option<bool>("--print-options") { Description = "print the resolved options (the run's options.json) and exit without training" };
        var initFrom = new Option<DirectoryInfo?>("--init-from") { Description = "fine-tune: start from the best weights of this earlier training run, training its network on its task with its settings, each setting given here replacing its own (--data, --iterations, --crop, --lr, …); a fresh optimiser and schedule" };
        var optionsFile = new Option<FileInfo?>("--options-file") { Description = "take every setting from a resolved options JSON (an earlier run's options.json) instead of the options above" };

        var command = new Command("train", "Train a found genotype or a baseline from scratch, or fine-tune a trained network (--init-from), keeping the best validation checkpoint")
        {
            genotype, arch,
        };
        settings.AddTo(command);
        space.AddTo(command);
        foreach (var option in new Option[] { threads, device, outDir, resume, profile, profileSteps, json, initFrom, optionsFile, printOptions }) command.Options.Add(option);
        taskOptions.AddTo(command);
        command.SetAction((parse, cancellation) =>
        {
            var show = !parse.GetValue(json);
            if (parse.GetValue(resume) is { } resumeDir)
            {
                if (parse.GetValue(outDir) is not null || parse.GetValue(genotype) is not null || parse.GetValue(arch) is not null || parse.GetValue(initFrom) is not null)
                    throw new CliUsageException("--resume continues a run with its saved options; do not combine it with --out, --genotype, --arch or --init-from");
                return Task.FromResult(Finish(output, parse.GetValue(json), resumeDir.FullName,
                    ProgressView.Train(output, show, p => Trainer.Resume(resumeDir.FullName, p, cancellation))));
            }
            var options = parse.GetValue(optionsFile) is { } file ? FromFile(parse, file)
                : parse.GetValue(initFrom) is { } source ? FineTune(parse, source) : Resolve(parse);
            if (parse.GetValue(printOptions))
            {
                output.Out.WriteLine(TrainOptionsJson.Serialize(options));
                return Task.FromResult(ExitCodes.Success);
            }
            if (parse.GetValue(profile))
            {
                var report = TrainProfiler.Profile(options, parse.GetValue(profileSteps) is var n && n >= 2 ? n : throw new CliUsageException("--profile-steps must be at least 2"));
                output.Out.WriteLine(JsonSerializer.Serialize(report, CliJson.Options));
                return Task.FromResult(ExitCodes.Success);
            }
            var trainDir = parse.GetValue(outDir)?.FullName ?? throw new CliUsageException("--out TRAIN_DIR is required (or --resume TRAIN_DIR, or --profile-memory)");
            if (show) output.Out.WriteLine($"train {options.RunName} → {trainDir}");
            var summary = ProgressView.Train(output, show, p => Trainer.Run(options, trainDir, p, cancellation));
            return Task.FromResult(Finish(output, parse.GetValue(json), trainDir, summary));
        });
        return command;

        TrainOptions FineTune(ParseResult p, DirectoryInfo source)
        {
            if (p.GetValue(genotype) is not null || p.GetValue(arch) is not null || taskOptions.IsGiven(p)
                || space.FirstGiven(p) is not null || new Option[] { settings.Depth, settings.Width }.Any(o => p.GetResult(o) is not null))
                throw new CliUsageException("--init-from trains the network of the run it starts from on its task; do not combine it with --genotype, --arch, the task options or the network's sizes");
            TrainedModel.BestWeightsOf(source.FullName); // a training run, with trained weights
            // --data has a default; only a given one replaces the run's data
            var given = settings.ToSettings(p) with { Threads = p.GetValue(threads), Device = p.GetValue(device) };
            if (p.GetResult(settings.Data) is not { Implicit: false }) given = given with { Data = null };
            return TrainOptionsResolver.FineTune(TrainOptionsJson.Load(Path.Combine(source.FullName, TrainRun.OptionsFile)), source.FullName, given);
        }

        TrainOptions FromFile(ParseResult p, FileInfo file)
        {
            if (p.GetValue(genotype) is not null || p.GetValue(arch) is not null || taskOptions.IsGiven(p) || p.GetValue(initFrom) is not null)
                throw new CliUsageException("--options-file holds the task, the architecture and every setting; do not combine it with the task options, --genotype, --arch or --init-from");
            var loaded = TrainOptionsJson.Load(file.FullName);
            loaded.Validate();
            return loaded;
        }

        TrainOptions Resolve(ParseResult p)
        {
            var genotypeFile = p.GetValue(genotype);
            var archText = p.GetValue(arch);
            if ((genotypeFile is null) == (archText is null)) throw new CliUsageException("give exactly one of --genotype FILE, --arch NAME and --init-from TRAIN_DIR");
            RestorationTask task;
            ArchitectureSpec spec;
            if (genotypeFile is not null)
            {
                var found = GenotypeJson.Load(genotypeFile.FullName);
                task = taskOptions.IsGiven(p) ? taskOptions.Resolve(p, defaults: found.Task) : found.Task;
                if (task != found.Task) throw new CliUsageException($"the genotype was searched for {found.Task.Slug}; it cannot be trained for {task.Slug}");
                spec = ArchitectureSpec.FromGenotype(found);
                RefuseSpaceOptions(p, "the genotype's network is its own");
            }
            else
            {
                task = taskOptions.Resolve(p);
                if (!ArchitectureSpec.NamesRandomGenotype(archText!)) RefuseSpaceOptions(p, $"{archText} is a hand design (its sizes: --depth, --width)");
                // a random genotype is drawn from the space `hinas search` would search with these options
                var drawnFrom = SearchOptionsResolver.Resolve(task, space.ToSettings(p)).Supernet.Space;
                spec = ArchitectureSpec.Parse(archText!, task, p.GetValue(settings.Depth), p.GetValue(settings.Width), drawnFrom);
            }
            return TrainOptionsResolver.Resolve(task, spec, settings.ToSettings(p) with { Threads = p.GetValue(threads), Device = p.GetValue(device) });
        }

        void RefuseSpaceOptions(ParseResult p, string why)
        {
            if (space.FirstGiven(p) is { } misplaced)
                throw new CliUsageException($"{misplaced.Name} describes the space a random genotype is drawn from (--arch random:SEED); {why}");
        }
    }

    private static int Finish(CliOutput output, bool json, string trainDir, TrainSummary summary)
    {
        if (json)
        {
            output.Out.WriteLine(JsonSerializer.Serialize(new { TrainDir = trainDir, Summary = summary }, CliJson.Options));
            return ExitCodes.Success;
        }
        output.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{summary.Network}: best val PSNR {summary.BestValidationPsnr:F2} dB at iteration {summary.BestIteration}; {summary.Parameters:N0} parameters, {summary.FlopsPerMegapixel / 1e9:F2} GFLOPs/MP; {summary.TrainingSeconds:F0} s"));
        output.Out.WriteLine($"wrote {Path.Combine(trainDir, TrainRun.BestModelFile)}");
        return ExitCodes.Success;
    }
}
