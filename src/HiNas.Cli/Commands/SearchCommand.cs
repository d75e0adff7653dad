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
        var budget = new Option<double?>("--budget-ms") { Description = "the frame-time budget in milliseconds at the table's resolution" };
        var latencyWeight = new Option<double?>("--latency-weight") { Description = "λ of the budget penalty λ·ln²(E[latency] / (0.9·budget)) (default 1)" };
        var printOptions = new Option<bool>("--print-options") { Description = "print the resolved options (the run's options.json) and exit without searching" };
        var optionsFile = new Option<FileInfo?>("--options-file") { Description = "take every setting from a resolved options JSON (an earlier run's options.json) instead of the options above" };

        var command = new Command("search", "HiNAS search: find a cell per layer and a width path for denoising or super-resolution");
        settings.AddTo(command);
        foreach (var option in new Option[] { latencyTable, budget, latencyWeight, threads, device, outDir, resume, profile, profileSteps, json, optionsFile, printOptions }) command.Options.Add(option);
        taskOptions.AddTo(command);
        command.SetAction((parse, cancellation) =>
        {
            var resumeDir = parse.GetValue(resume);
            if (resumeDir is not null)
            {
                if (parse.GetValue(outDir) is not null || taskOptions.IsGiven(parse))
                    throw new CliUsageException("--resume continues a run with its saved options; do not combine it with --out or --task");
                var saved = Path.Combine(resumeDir.FullName, SearchRun.OptionsFile);
                var measurer = File.Exists(saved) ? MeasurerFor(SearchOptionsJson.Load(saved)) : null;
                return Task.FromResult(Finish(output, parse.GetValue(json), resumeDir.FullName,
                    ProgressView.Search(output, !parse.GetValue(json), p => Searcher.Resume(resumeDir.FullName, p, cancellation, measurer))));
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
            if (options.Latency is { } objective) RefuseABudgetUnderTheMeasuredFloor(output, options.Supernet, objective, !parse.GetValue(json));
            if (!parse.GetValue(json)) output.Out.WriteLine($"search {options.RunName} → {runDir}");
            var measureLatency = MeasurerFor(options);
            var genotype = ProgressView.Search(output, !parse.GetValue(json), p => Searcher.Run(options, runDir, p, cancellation, measureLatency));
            return Task.FromResult(Finish(output, parse.GetValue(json), runDir, genotype));

            SearchOptions FromFile(FileInfo file)
            {
                if (taskOptions.IsGiven(parse) || parse.GetValue(settings.Preset) is not null)
                    throw new CliUsageException("--options-file holds the task and every setting; do not combine it with --task or --preset");
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
                    LatencyTable = p.GetValue(latencyTable)?.FullName, BudgetMs = p.GetValue(budget), LatencyWeight = p.GetValue(latencyWeight),
                });
            }
        });
        return command;
    }

    /// <summary>
    /// Before a budgeted search on the table's machine: its floor (the cheapest network of the space) run by ONNX
    /// Runtime, and a budget under it refused before anything is written — the table's prediction of the floor is
    /// lower than a measurement (its parts run with warm caches), and a search cannot meet a budget in between.
    /// </summary>
    private static void RefuseABudgetUnderTheMeasuredFloor(CliOutput output, SupernetConfig space, LatencyObjective objective, bool show)
    {
        var table = LatencyTable.Load(objective.TablePath);
        var floor = LatencyFloor.Of(space, table);
        if (floor.Refuses(objective.BudgetMs, table) is { } predicted) throw new ArgumentException(predicted, "budget");
        if (HiNas.Onnx.Latency.MeasuredBudget.MeasureFloor(floor, table) is not { } measured) return;
        if (floor.Refuses(objective.BudgetMs, table, measured) is { } refusal) throw new ArgumentException(refusal, "budget");
        if (show)
            output.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"cheapest network of this space: {measured:F1} ms measured ({floor.Milliseconds:F1} ms predicted); budget {objective.BudgetMs:F1} ms"));
    }

    /// <summary>A budgeted search on its table's machine measures each epoch's derived network there (see <see cref="Searcher.Run"/>).</summary>
    private static Func<Genotype, double>? MeasurerFor(SearchOptions options) =>
        options.Latency is { } objective && File.Exists(objective.TablePath)
            ? HiNas.Onnx.Latency.MeasuredBudget.MeasurerFor(LatencyTable.Load(objective.TablePath))
            : null;

    private static int Finish(CliOutput output, bool json, string runDir, Genotype genotype)
    {
        var path = Path.Combine(runDir, SearchRun.GenotypeFile);
        var reportPath = Path.Combine(runDir, BudgetReport.FileName);
        // a budgeted search ends measured: the derived network (and, if it misses, its cheaper variants) run by ONNX Runtime
        var report = File.Exists(reportPath) ? HiNas.Onnx.Latency.MeasuredBudget.Check(runDir, genotype, json ? null : output.Out.WriteLine) : null;
        if (json)
        {
            output.Out.WriteLine(JsonSerializer.Serialize(new
            {
                RunDir = runDir, Genotype = path, genotype.WidthPath,
                Cells = genotype.Cells.Select(c => c.ToString()).ToArray(), AllSkip = genotype.IsAllSkip, Latency = report,
            }, CliJson.Options));
        }
        else
        {
            output.Out.WriteLine($"width path: [{string.Join(", ", genotype.WidthPath)}] (channels per node: {string.Join(", ", genotype.WidthPath.Select(genotype.NodeChannels))})");
            for (var l = 0; l < genotype.Cells.Count; l++) output.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"layer {l + 1}: {genotype.Cells[l]}"));
            output.Out.WriteLine($"wrote {path}");
            if (report is not null)
            {
                output.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"latency at {report.Resolution}: {(report.MeasuredMs is { } m ? $"{m:F1} ms measured, " : "")}{report.PredictedMs:F1} ms predicted, against a budget of {report.BudgetMs:F1} ms: {(report.MeetsBudget ? "within budget" : "OVER BUDGET")}"));
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
