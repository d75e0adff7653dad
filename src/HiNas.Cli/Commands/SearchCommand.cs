using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using HiNas.Cli.Infrastructure;
using HiNas.Imaging.Tasks;
using HiNas.Search.Data;
using HiNas.Search.Latency;
using HiNas.Search.Searching;
using HiNas.Search.Supernets;
using HiNas.Nas.Genotypes;
using HiNas.Nas.Latency;
using HiNas.Nas.Runs;
using HiNas.Nas.Settings;
using HiNas.Pipelines;

namespace HiNas.Cli.Commands;

/// <summary>`hinas search --task denoise|sr … --out RUN_DIR`, `--resume RUN_DIR`, `--profile-memory`.</summary>
public static class SearchCommand
{
    public static Command Create(CliOutput output)
    {
        var defaults = SearchOptions.DefaultsFor(RestorationTask.Denoise(25, 1));
        var taskOptions = new TaskOptions();
        var settings = new SearchSettingOptions();
        var threads = new Option<int?>("--threads") { Description = "CPU threads (default: all cores)" };
        var device = new Option<string>("--device") { Description = "auto, cpu, cuda or cuda:N", DefaultValueFactory = _ => "auto" };
        var outDir = new Option<DirectoryInfo?>("--out") { Description = "run folder to create (genotype.json, options.json, events.jsonl, checkpoints/)" };
        var resume = new Option<DirectoryInfo?>("--resume") { Description = "continue the search in this run folder from its newest checkpoint" };
        var profile = new Option<bool>("--profile-memory") { Description = "run a few search steps and print peak memory and seconds per step as JSON" };
        var profileSteps = new Option<int>("--profile-steps") { Description = "steps for --profile-memory", DefaultValueFactory = _ => 4 };
        var json = new Option<bool>("--json") { Description = "print the result as one JSON object" };
        var latencyTable = new Option<FileInfo?>("--latency-table") { Description = "latency-budgeted search: a table from hinas profile-latency for this space (with --budget-ms)" };
        var budget = new Option<double?>("--budget-ms") { Description = "the frame-time budget in milliseconds at the table's resolution, in its precision (an int8 table's budget is for the network's int8 export)" };
        var latencyWeight = new Option<double?>("--latency-weight") { Description = "λ of the budget penalty λ·ln²(E[latency] / (0.9·budget)) (default 1)" };
        var budgetBand = new Option<double?>("--budget-band") { Description = "single-path search: draw only networks predicted at no less than this fraction of the budget, e.g. 0.9 (default 0: any within it)" };
        var printOptions = new Option<bool>("--print-options") { Description = "print the resolved options (the run's options.json) and exit without searching" };
        var optionsFile = new Option<FileInfo?>("--options-file") { Description = "take every setting from a resolved options JSON (an earlier run's options.json) instead of the options above" };

        var command = new Command("search", "HiNAS search: find a cell per layer and a width path for denoising or super-resolution");
        settings.AddTo(command);
        foreach (var option in new Option[] { latencyTable, budget, latencyWeight, budgetBand, threads, device, outDir, resume, profile, profileSteps, json, optionsFile, printOptions }) command.Options.Add(option);
        taskOptions.AddTo(command);
        command.SetAction((parse, cancellation) =>
        {
            var resumeDir = parse.GetValue(resume);
            if (resumeDir is not null)
            {
                if (parse.GetValue(outDir) is not null || taskOptions.IsGiven(parse))
                    throw new CliUsageException("--resume continues a run with its saved options; do not combine it with --out or the task options");
                Action<string> log = parse.GetValue(json) ? output.Error.WriteLine : output.Out.WriteLine;  // (stdout: one JSON object)
                return Task.FromResult(Finish(output, parse.GetValue(json),
                    ProgressView.Search(output, !parse.GetValue(json), p => SearchPipeline.Resume(resumeDir.FullName, p, cancellation, log))));
            }

            var options = parse.GetValue(optionsFile) is { } file ? FromFile(file) : Resolve(parse);
            if (parse.GetValue(printOptions))
            {
                output.Out.WriteLine(SearchOptionsJson.Serialize(options));
                return Task.FromResult(ExitCodes.Success);
            }
            if (parse.GetValue(profile))
            {
                var report = SearchProfiler.Profile(options, parse.GetValue(profileSteps) is var n && n >= 2 ? n : throw new CliUsageException("--profile-steps must be at least 2"));
                output.Out.WriteLine(JsonSerializer.Serialize(report, CliJson.Options));
                return Task.FromResult(ExitCodes.Success);
            }
            var runDir = parse.GetValue(outDir)?.FullName ?? throw new CliUsageException("--out RUN_DIR is required (or --resume RUN_DIR, or --profile-memory)");
            if (options.Latency is { } objective && !File.Exists(objective.TablePath))
                throw new CliUsageException($"--latency-table '{objective.TablePath}' does not exist (make it with hinas profile-latency)");
            var show = !parse.GetValue(json);
            if (show) output.Out.WriteLine($"search {options.RunName} → {runDir}");
            var outcome = ProgressView.Search(output, show, p => SearchPipeline.Run(options, runDir, p, cancellation, show ? output.Out.WriteLine : output.Error.WriteLine));
            return Task.FromResult(Finish(output, parse.GetValue(json), outcome));

            SearchOptions FromFile(FileInfo file)
            {
                if (taskOptions.IsGiven(parse) || parse.GetValue(settings.Preset) is not null)
                    throw new CliUsageException("--options-file holds the task and every setting; do not combine it with the task options or --preset");
                var loaded = SearchOptionsJson.Load(file.FullName);
                loaded.Validate();
                return loaded;
            }

            SearchOptions Resolve(ParseResult p)
            {
                var presetName = p.GetValue(settings.Preset);
                var presetKind = presetName is null ? null : TaskResolver.KindName(SearchPresets.KindOf(presetName));
                return SearchOptionsResolver.Resolve(taskOptions.Resolve(p, presetKind), settings.ToSettings(p) with
                {
                    Threads = p.GetValue(threads), Device = p.GetValue(device),
                    LatencyTable = p.GetValue(latencyTable)?.FullName, BudgetMs = p.GetValue(budget), LatencyWeight = p.GetValue(latencyWeight), BudgetBand = p.GetValue(budgetBand),
                });
            }
        });
        return command;
    }

    private static int Finish(CliOutput output, bool json, SearchOutcome outcome)
    {
        var (runDir, genotype, report) = outcome;
        var path = outcome.GenotypeFile;
        if (json)
        {
            output.Out.WriteLine(JsonSerializer.Serialize(new
            {
                RunDir = runDir, Genotype = path, genotype.WidthPath,
                Cells = genotype.Cells.Select(c => c.ToString()).ToArray(), AllSkip = genotype.IsAllSkip,
                genotype.AlphaEntropy, genotype.BetaEntropy, Warning = ArchitectureEntropy.UndecidedWidthPath(genotype), Latency = report,
                genotype.OperationShares,
            }, CliJson.Options));
        }
        else
        {
            output.Out.WriteLine($"width path: [{string.Join(", ", genotype.WidthPath)}] (channels per node: {string.Join(", ", genotype.WidthPath.Select(genotype.NodeChannels))})");
            for (var l = 0; l < genotype.Cells.Count; l++) output.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"layer {l + 1}: {genotype.Cells[l]}"));
            if (genotype.AlphaEntropy is { } a && genotype.BetaEntropy is { } b)
                output.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"normalised entropy (1 = uniform): α {a:0.0000}, β {b:0.0000}"));
            if (genotype.OperationShares is { } shares)
                output.Out.WriteLine("α's mean weight per operation: " + string.Join(", ", shares.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Key} {s.Value:0.000}"))));
            if (ArchitectureEntropy.UndecidedWidthPath(genotype) is { } warning) output.Out.WriteLine($"warning: {warning}");
            output.Out.WriteLine($"wrote {path}");
            if (report is not null)
            {
                output.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"latency at {report.Resolution}{report.InPrecision}: {(report.MeasuredMs is { } m ? $"{m:F1} ms measured, " : "")}{report.PredictedMs:F1} ms predicted, against a budget of {report.BudgetMs:F1} ms: {(report.MeetsBudget ? "within budget" : "OVER BUDGET")}"));
                if (report.WithinBudgetGenotype is { } closest)
                    output.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"the closest network within budget ({report.OperationsReplaced} operation(s) turned into skip connections{(report.WidthPathChanged == true ? ", on the space's cheapest width path" : "")}, {(report.WithinBudgetMeasuredMs is { } w ? $"{w:F1} ms measured" : $"{report.WithinBudgetPredictedMs:F1} ms predicted")}): {Path.Combine(runDir, closest)}"));
                else if (!report.MeetsBudget)
                    output.Out.WriteLine("no variant of the derived network meets the budget, even with every operation a skip connection");
            }
        }
        return ExitCodes.Success;
    }
}
