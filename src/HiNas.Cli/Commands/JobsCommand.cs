using System.CommandLine;
using System.Globalization;
using HiNas.Cli.Infrastructure;
using HiNas.Client;
using HiNas.Imaging.Tasks;
using HiNas.Protocol.V1;

namespace HiNas.Cli.Commands;

/// <summary>
/// `hinas jobs search|train|watch|list|cancel --server URL [--api-key K]`: search and training jobs on a running
/// server. `--watch` (and `watch`) follow a job with a progress bar; `--json` prints proto3 JSON, one object per line.
/// </summary>
public static class JobsCommand
{
    public static Command Create(CliOutput output)
    {
        var jobs = new Command("jobs", "Search and training jobs on a running server");
        jobs.Subcommands.Add(Search(output));
        jobs.Subcommands.Add(Train(output));
        jobs.Subcommands.Add(Watch(output));
        jobs.Subcommands.Add(List(output));
        jobs.Subcommands.Add(Cancel(output));
        return jobs;
    }

    /// <summary>The latency budget of a remote search (the server profiles its own device first).</summary>
    private sealed class BudgetOptions(string prefix)
    {
        public Option<double?> BudgetMs { get; } = new(prefix + "budget-ms") { Description = "latency-budgeted search: the frame-time budget in ms on the server, for one frame of --resolution" };
        public Option<string?> Resolution { get; } = new(prefix + "resolution") { Description = "the model input size the budget is for, WIDTHxHEIGHT (default 1280x720)" };
        public Option<double?> Weight { get; } = new(prefix + "latency-weight") { Description = "λ of the budget penalty (default 1)" };
        public Option<double?> Band { get; } = new(prefix + "budget-band") { Description = "single-path: draw only networks predicted from f·budget to the budget (f in [0, 1), e.g. 0.9)" };

        public Option<string?> Precision { get; } = Precisions(new(prefix + "latency-precision")
        {
            Description = $"the budget's arithmetic: {ModelPrecision.Float32} or {ModelPrecision.Int8} (the server profiles and measures as an int8 export runs); default {ModelPrecision.Float32}, or the package's --precision for jobs train --search",
        });

        public void AddTo(Command command)
        {
            command.Options.Add(BudgetMs);
            command.Options.Add(Resolution);
            command.Options.Add(Weight);
            command.Options.Add(Band);
            command.Options.Add(Precision);
        }

        public SearchSettings Apply(ParseResult p, SearchSettings settings)
        {
            if (p.GetValue(BudgetMs) is { } ms) settings.BudgetMs = ms;
            if (p.GetValue(Resolution) is { } size) settings.Resolution = size;
            if (p.GetValue(Weight) is { } weight) settings.LatencyWeight = weight;
            if (p.GetValue(Band) is { } band) settings.BudgetBand = band;
            if (p.GetValue(Precision) is { } precision) settings.LatencyPrecision = precision;
            return settings;
        }
    }

    private static Option<string?> Precisions(Option<string?> option)
    {
        option.AcceptOnlyFromAmong(ModelPrecision.All);
        return option;
    }

    /// <summary>How a training job writes the package it publishes.</summary>
    private sealed class PackageOptions
    {
        public Option<string?> Precision { get; } = Precisions(new("--precision")
        {
            Description = $"the published package: {ModelPrecision.Float32} (default) or {ModelPrecision.Int8} (as hinas export --int8; the job fails when int8 scores more than --int8-tolerance-db under float)",
        });

        public Option<int?> TuningSteps { get; } = new("--int8-tuning-steps") { Description = "int8: quantization-aware tuning steps (0: calibration only; default hinas export's)" };
        public Option<double?> Tolerance { get; } = new("--int8-tolerance-db") { Description = "int8: the validation PSNR int8 may lose against float (default hinas export's 0.1 dB)" };

        public void AddTo(Command command)
        {
            command.Options.Add(Precision);
            command.Options.Add(TuningSteps);
            command.Options.Add(Tolerance);
        }

        public ExportSettings ToMessage(ParseResult p)
        {
            var settings = new ExportSettings { Precision = p.GetValue(Precision) ?? "" };
            if (p.GetValue(TuningSteps) is { } steps) settings.Int8TuningSteps = SearchSettingOptions.Count(steps, TuningSteps);
            if (p.GetValue(Tolerance) is { } tolerance) settings.Int8ToleranceDb = tolerance;
            return settings;
        }
    }

    private static Option<bool> JsonOption() => new("--json") { Description = "print proto3 JSON, one object per line" };

    private static Option<bool> WatchOption() => new("--watch") { Description = "follow the job until it ends (exit code 0 only when it succeeds)" };

    private static Command Search(CliOutput output)
    {
        var remote = new RemoteOptions();
        var task = new TaskOptions();
        var settings = new SearchSettingOptions();
        var budget = new BudgetOptions("--");
        var watch = WatchOption();
        var json = JsonOption();
        var command = new Command("search", "Start a HiNAS search job (settings as for `hinas search`; unset ones take the server's defaults)");
        task.AddTo(command);
        settings.AddTo(command);
        budget.AddTo(command);
        remote.AddTo(command);
        command.Options.Add(watch);
        command.Options.Add(json);
        command.SetAction(async (parse, cancellation) =>
        {
            var request = new StartSearchRequest { Task = TaskMessage(task.Resolve(parse)), Search = budget.Apply(parse, settings.ToMessage(parse)) };
            using var client = new JobsClient(remote.Resolve(parse));
            var job = await client.StartSearchAsync(request, cancellation);
            return await Started(output, client, job, parse.GetValue(watch), parse.GetValue(json), cancellation);
        });
        return command;
    }

    private static Command Train(CliOutput output)
    {
        var remote = new RemoteOptions();
        var task = new TaskOptions();
        var settings = new TrainSettingOptions();
        var searchFirst = new Option<bool>("--search") { Description = "search first (settings --search-*), then train the found genotype" };
        var search = new SearchSettingOptions("--search-");
        var searchBudget = new BudgetOptions("--search-");
        var genotype = new Option<FileInfo?>("--genotype") { Description = "train this genotype.json (from hinas search)" };
        var arch = new Option<string?>("--arch") { Description = "train a baseline: dncnn, ffdnet, espcn, fsrcnn or random:SEED" };
        var modelId = new Option<string?>("--model-id") { Description = "the id to publish the model under (default job-<job id>)" };
        var export = new PackageOptions();
        var watch = WatchOption();
        var json = JsonOption();
        var command = new Command("train", "Start a training job: a genotype, a baseline, or --search for search-then-train; the model is published when it ends");
        task.AddTo(command);
        foreach (var option in new Option[] { genotype, arch, searchFirst }) command.Options.Add(option);
        settings.AddTo(command);
        search.AddTo(command);
        searchBudget.AddTo(command);
        command.Options.Add(modelId);
        export.AddTo(command);
        remote.AddTo(command);
        command.Options.Add(watch);
        command.Options.Add(json);
        command.SetAction(async (parse, cancellation) =>
        {
            var given = new[] { parse.GetValue(genotype) is not null, parse.GetValue(arch) is not null, parse.GetValue(searchFirst) }.Count(g => g);
            if (given != 1) throw new CliUsageException("give exactly one of --genotype FILE, --arch NAME and --search");
            var request = new StartTrainingRequest { Train = settings.ToMessage(parse), ModelId = parse.GetValue(modelId) ?? "", Export = export.ToMessage(parse) };
            if (parse.GetValue(genotype) is { } file)
            {
                if (!file.Exists) throw new CliUsageException($"--genotype '{file.FullName}' does not exist");
                request.GenotypeJson = File.ReadAllText(file.FullName);
                var found = HiNas.Nas.Genotypes.GenotypeJson.Deserialize(request.GenotypeJson, file.FullName);
                request.Task = TaskMessage(task.IsGiven(parse) ? task.Resolve(parse, defaults: found.Task) : found.Task);
            }
            else
            {
                request.Task = TaskMessage(task.Resolve(parse));
                if (parse.GetValue(arch) is { } name) request.Baseline = name;
                else request.SearchFirst = searchBudget.Apply(parse, search.ToMessage(parse));
            }
            if (parse.GetValue(settings.Depth) is { } depth) request.BaselineDepth = SearchSettingOptions.Count(depth, settings.Depth);
            if (parse.GetValue(settings.Width) is { } width) request.BaselineWidth = SearchSettingOptions.Count(width, settings.Width);
            using var client = new JobsClient(remote.Resolve(parse));
            var job = await client.StartTrainingAsync(request, cancellation);
            return await Started(output, client, job, parse.GetValue(watch), parse.GetValue(json), cancellation);
        });
        return command;
    }

    private static Command Watch(CliOutput output)
    {
        var remote = new RemoteOptions();
        var id = new Argument<string>("job-id") { Description = "the job (see hinas jobs list)" };
        var from = new Option<long>("--from") { Description = "replay from this event index (default 0: everything)" };
        var json = JsonOption();
        var command = new Command("watch", "Follow a job until it ends: progress bar, milestones, result (exit 0 only when it succeeded)") { id };
        remote.AddTo(command);
        command.Options.Add(from);
        command.Options.Add(json);
        command.SetAction(async (parse, cancellation) =>
        {
            using var client = new JobsClient(remote.Resolve(parse));
            return await WatchJob(output, client, parse.GetValue(id)!, parse.GetValue(from), parse.GetValue(json), cancellation);
        });
        return command;
    }

    private static Command List(CliOutput output)
    {
        var remote = new RemoteOptions();
        var json = JsonOption();
        var command = new Command("list", "List the server's jobs, oldest first");
        remote.AddTo(command);
        command.Options.Add(json);
        command.SetAction(async (parse, cancellation) =>
        {
            using var client = new JobsClient(remote.Resolve(parse));
            var jobs = await client.ListAsync(cancellation);
            if (parse.GetValue(json))
            {
                foreach (var j in jobs) output.Out.WriteLine(RemoteOptions.Json.Format(j));
                return ExitCodes.Success;
            }
            output.Out.WriteLine($"{"id",-23} {"kind",-17} {"state",-9} {"stage",-7} {"done",5}  {"task",-18} model");
            foreach (var j in jobs)
                output.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{j.Id,-23} {Name(j.Kind),-17} {Name(j.State),-9} {j.Stage,-7} {j.Progress,5:P0}  {j.Task,-18} {j.ModelId}{(j.Error.Length > 0 ? $"  ({j.Error})" : "")}"));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Cancel(CliOutput output)
    {
        var remote = new RemoteOptions();
        var id = new Argument<string>("job-id") { Description = "the job to cancel" };
        var json = JsonOption();
        var command = new Command("cancel", "Cancel a queued or running job") { id };
        remote.AddTo(command);
        command.Options.Add(json);
        command.SetAction(async (parse, cancellation) =>
        {
            using var client = new JobsClient(remote.Resolve(parse));
            var job = await client.CancelAsync(parse.GetValue(id)!, cancellation);
            output.Out.WriteLine(parse.GetValue(json) ? RemoteOptions.Json.Format(job) : $"job {job.Id}: {Name(job.State)}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task<int> Started(CliOutput output, JobsClient client, Job job, bool watch, bool json, CancellationToken cancellation)
    {
        output.Out.WriteLine(json ? RemoteOptions.Json.Format(job) : $"job {job.Id} {Name(job.State)} ({Name(job.Kind)}, {job.Task}{(job.ModelId.Length > 0 ? $", model {job.ModelId}" : "")})");
        return watch ? await WatchJob(output, client, job.Id, 0, json, cancellation) : ExitCodes.Success;
    }

    private static async Task<int> WatchJob(CliOutput output, JobsClient client, string id, long from, bool json, CancellationToken cancellation)
    {
        JobResult? result = null;
        if (json)
        {
            await foreach (var e in client.WatchAsync(id, from, cancellation))
            {
                output.Out.WriteLine(RemoteOptions.Json.Format(e));
                if (e.Result is { } r) result = r;
            }
        }
        else
        {
            result = ProgressView.Run<JobEvent, JobResult?>(output, show: true, progress => Follow(client, id, from, progress, cancellation).GetAwaiter().GetResult(),
                e => (e.Progress?.Fraction ?? 1, e.Progress is { } p ? $"{p.Stage} {p.Message}" : "done"),
                Milestone);
            if (result is not null) output.Out.WriteLine(ResultLine(id, result));
        }
        if (result is null) throw new IOException($"the watch of job {id} ended without its result");
        return result.State == JobState.Succeeded ? ExitCodes.Success : ExitCodes.Failure;
    }

    private static async Task<JobResult?> Follow(JobsClient client, string id, long from, IProgress<JobEvent> progress, CancellationToken cancellation)
    {
        JobResult? result = null;
        await foreach (var e in client.WatchAsync(id, from, cancellation))
        {
            progress.Report(e);
            if (e.Result is { } r) result = r;
        }
        return result;
    }

    private static string? Milestone(JobEvent e)
    {
        if (e.Progress is not { } p) return null;
        var psnr = p.HasValidationPsnr ? string.Create(CultureInfo.InvariantCulture, $" val PSNR {p.ValidationPsnr:F2} dB") : "";
        return p.Kind switch
        {
            "queued" or "started" or "resumed" or "restarted" or "stage" or "published" => $"{p.Kind}: {p.Message}",
            "epoch" or "validation" or "completed" => string.Create(CultureInfo.InvariantCulture, $"{p.Stage}: {p.Message}{psnr}  ({p.Fraction:P0}, ETA {TimeSpan.FromSeconds(Math.Round(p.EtaSeconds)):c})"),
            _ => null,
        };
    }

    private static string ResultLine(string id, JobResult r)
    {
        var psnr = r.HasBestValidationPsnr ? string.Create(CultureInfo.InvariantCulture, $", best val PSNR {r.BestValidationPsnr:F2} dB") : "";
        var model = r.ModelId.Length > 0 ? $", model '{r.ModelId}' published" : "";
        var error = r.Error.Length > 0 ? $": {r.Error}" : "";
        return $"job {id} {Name(r.State)}{error}{psnr}{model}";
    }

    private static TaskSpec TaskMessage(HiNas.Imaging.Tasks.RestorationTask task) => task.Kind == HiNas.Imaging.Tasks.RestorationKind.Denoise
        ? new TaskSpec { Kind = "denoise", Sigma = task.Sigma, Channels = (uint)task.Channels }
        : new TaskSpec { Kind = "sr", Scale = (uint)task.Scale, Channels = (uint)task.Channels };

    private static string Name(JobState state) => state.ToString().ToLowerInvariant();

    private static string Name(JobKind kind) => kind switch { JobKind.Search => "search", JobKind.Train => "train", JobKind.SearchThenTrain => "search-then-train", _ => "?" };
}
