using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using HiNas.Cli.Infrastructure;
using HiNas.Imaging.Tasks;
using HiNas.Nas.Genotypes;
using HiNas.Onnx.Latency;
using HiNas.Search.Searching;

namespace HiNas.Cli.Commands;

/// <summary>
/// `hinas select RUN_DIR`: derives a search run's network from its trained supernet instead of from α — by edges
/// (<see cref="PerturbationSelection"/>), by whole networks (<see cref="NetworkRanking"/>), or by briefly training the
/// ranking's best networks (<see cref="TrainingSelection"/>).
/// </summary>
public static class SelectCommand
{
    public const string Perturbation = "perturbation";
    public const string Ranking = "ranking";
    public const string Training = "training";
    /// <summary>--max-ms's input size by default: the frame the service's budgets are stated for.</summary>
    public const string DefaultLatencySize = "640x360";

    public static Command Create(CliOutput output)
    {
        var runDir = new Argument<DirectoryInfo>("RUN_DIR") { Description = "a search run folder that still has its checkpoints/" };
        var by = new Option<string>("--by")
        {
            Description = $"{Perturbation}: each edge's operation by the validation PSNR the supernet loses when the operation alone is taken out of its edge (writes {PerturbationSelection.GenotypeFile}, {PerturbationSelection.StrengthsFile}); "
                + $"{Ranking}: whole networks — a mixture search's on β's width path (α's, the perturbation selection's, drawn from α and uniformly), a single-path search's drawn as it trained them — each run as a sub-network of the supernet with recalibrated BatchNorm statistics and ranked by validation PSNR (writes {NetworkRanking.GenotypeFile}, {NetworkRanking.RankingFile}); "
                + $"{Training}: the top networks of the run's ranking taken round its width paths (--by {Ranking} first; a single-path search ranks its own), each trained briefly from scratch with the same settings and seed, kept by validation PSNR (writes {TrainingSelection.GenotypeFile}, {TrainingSelection.SelectionFile}, and each training in {TrainingSelection.TrainingsFolder}/)",
            DefaultValueFactory = _ => Perturbation,
        };
        by.AcceptOnlyFromAmong(Perturbation, Ranking, Training);
        var samples = new Option<int?>("--samples") { Description = $"--by {Ranking}: networks to draw — a mixture search's on β's width path, half from α and half uniformly; a single-path search's as it trained them (default: a single-path search's ranked_networks, else {NetworkRanking.DefaultSamples})" };
        var batches = new Option<int>("--batches") { Description = $"--by {Ranking}: training batches each network's BatchNorm statistics are recalibrated on (default {NetworkRanking.DefaultBatches})", DefaultValueFactory = _ => NetworkRanking.DefaultBatches };
        var candidates = new Option<FileInfo[]>("--candidate") { Description = $"--by {Ranking}: a genotype.json to rank too, on its own width path (repeatable)", AllowMultipleArgumentsPerToken = false };
        var maxParameters = new Option<long?>("--max-parameters") { Description = $"--by {Ranking} or {Training}: rank or train only networks of at most this many parameters (as searched: ×1, light head)" };
        var maxMs = new Option<double?>("--max-ms") { Description = $"--by {Training}: train only networks that run, as trained, within this many milliseconds for one --latency-size input (ONNX Runtime on this machine, measured before any training; slower ones are passed over for the next)" };
        var asFastAs = new Option<string?>("--as-fast-as") { Description = $"--by {Training}: train only networks that run, as trained, no slower than this hand design (NAME:DEPTH:WIDTH, e.g. ffdnet:7:48) timed side by side with each for one --latency-size input ({NetworkTiming.SideBySideRounds} rounds of both, so a slow spell of the machine slows both; instead of --max-ms)" };
        var latencyPrecision = new Option<string>("--latency-precision")
        {
            Description = $"--max-ms's and --as-fast-as's arithmetic: {ModelPrecision.Float32}, or {ModelPrecision.Int8} (each network, the reference too, timed as its int8 export runs)",
            DefaultValueFactory = _ => ModelPrecision.Float32,
        };
        latencyPrecision.AcceptOnlyFromAmong(ModelPrecision.All);
        var latencySize = new Option<string>("--latency-size") { Description = "--max-ms's and --as-fast-as's input size, W or WxH (for super-resolution the low-resolution input)", DefaultValueFactory = _ => DefaultLatencySize };
        var top = new Option<int>("--top") { Description = $"--by {Training}: how many of the ranking's networks to train, each width path's best first (the search's own, not --candidate ones; 1 to {TrainingSelection.MaxTop})", DefaultValueFactory = _ => TrainingSelection.DefaultTop };
        // --by training trains as `hinas train` does; its --data defaults to the search's and --iterations to a short training
        var training = new TrainSettingOptions();
        training.Data.DefaultValueFactory = null;
        training.Data.Description = $"--by {Training}: training images (default: the search's)";
        training.Iterations.Description = $"--by {Training}: training iterations per network (default {TrainingSelection.DefaultIterations})";
        Option[] trainingOnly = [top, maxMs, asFastAs, latencySize, latencyPrecision, .. training.All.Except([training.Depth, training.Width])];
        var json = new Option<bool>("--json") { Description = "print the result as one JSON object" };
        var command = new Command("select", "derive a search run's network from its trained supernet instead of from α: by edges, by whole networks, or by briefly training the ranking's best (--by)");
        command.Arguments.Add(runDir);
        foreach (var option in new Option[] { by, samples, batches, candidates, maxParameters, json }.Concat(trainingOnly)) command.Options.Add(option);
        command.SetAction((parse, cancellation) =>
        {
            var dir = parse.GetValue(runDir)!.FullName;
            var show = !parse.GetValue(json);
            var method = parse.GetValue(by);
            var given = parse.GetValue(candidates) ?? [];
            if (method != Ranking && (given.Length > 0 || parse.GetValue(samples) is not null || parse.GetResult(batches) is { Implicit: false }))
                throw new CliUsageException($"--samples, --batches and --candidate are options of --by {Ranking}");
            if (method == Perturbation && parse.GetValue(maxParameters) is not null)
                throw new CliUsageException($"--max-parameters is an option of --by {Ranking} and --by {Training}");
            if (method != Training && trainingOnly.FirstOrDefault(o => parse.GetResult(o) is { Implicit: false }) is { } misplaced)
                throw new CliUsageException($"{misplaced.Name} is an option of --by {Training}");
            if (parse.GetValue(maxMs) is null && parse.GetValue(asFastAs) is null && new Option[] { latencySize, latencyPrecision }.FirstOrDefault(o => parse.GetResult(o) is { Implicit: false }) is { } idle)
                throw new CliUsageException($"{idle.Name} is the arithmetic of --max-ms or --as-fast-as: give one");
            return Task.FromResult(method switch
            {
                Ranking => RankNetworks(dir, parse.GetValue(samples), parse.GetValue(batches), given, parse.GetValue(maxParameters), show, output, cancellation),
                Training => TrainNetworks(dir, parse.GetValue(top), parse.GetValue(maxParameters), Ceiling(parse.GetValue(maxMs), parse.GetValue(asFastAs), parse.GetValue(latencySize)!, parse.GetValue(latencyPrecision)!),
                    training.ToSettings(parse), show, output, cancellation),
                _ => SelectEdges(dir, show, output, cancellation),
            });
        });
        return command;
    }

    private static int SelectEdges(string dir, bool show, CliOutput output, CancellationToken cancellation)
    {
        var genotype = PerturbationSelection.Run(dir,
            show ? new LineProgress<(int Done, int Total)>(p => $"edge {p.Done}/{p.Total} measured", output.Out) : null, cancellation);
        var path = Path.Combine(dir, PerturbationSelection.GenotypeFile);
        if (show)
        {
            WriteGenotype(genotype, output);
            output.Out.WriteLine($"wrote {path}");
        }
        else
        {
            output.Out.WriteLine(JsonSerializer.Serialize(new
            {
                RunDir = dir, Genotype = path, Strengths = Path.Combine(dir, PerturbationSelection.StrengthsFile), genotype.WidthPath,
                Cells = genotype.Cells.Select(c => c.ToString()).ToArray(),
            }, CliJson.Options));
        }
        return ExitCodes.Success;
    }

    private static int RankNetworks(string dir, int? samples, int batches, FileInfo[] given, long? maxParameters, bool show, CliOutput output, CancellationToken cancellation)
    {
        var named = given.Select(f => (Path.GetRelativePath(Environment.CurrentDirectory, f.FullName), Load(f))).ToArray();
        var (best, ranking) = NetworkRanking.Run(dir, samples, batches, named, maxParameters,
            show ? new LineProgress<(int Done, int Total)>(p => $"network {p.Done}/{p.Total} measured", output.Out) : null, cancellation);
        var path = Path.Combine(dir, NetworkRanking.GenotypeFile);
        if (show)
        {
            output.Out.WriteLine($"{ranking.Candidates.Count} networks as sub-networks of the supernet ({ranking.Batches} recalibration batches, {ranking.ValidationImages} validation windows of {ranking.ValidationSide}²), best first:");
            foreach (var c in ranking.Candidates.Take(8))
                output.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {c.Psnr:F2} dB  {c.Parameters,8:N0} params  [{string.Join(",", c.WidthPath)}]  {c.Origin}"));
            if (ranking.Candidates.FirstOrDefault(c => c.Origin == NetworkRanking.AlphaOrigin) is { } alpha)
                output.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"α's network: {alpha.Psnr:F2} dB, place {ranking.Candidates.ToList().IndexOf(alpha) + 1} of {ranking.Candidates.Count}"));
            WriteGenotype(best, output);
            output.Out.WriteLine($"wrote {path} and {Path.Combine(dir, NetworkRanking.RankingFile)}");
        }
        else
        {
            output.Out.WriteLine(JsonSerializer.Serialize(new
            {
                RunDir = dir, Genotype = path, Ranking = Path.Combine(dir, NetworkRanking.RankingFile), best.WidthPath,
                Cells = best.Cells.Select(c => c.ToString()).ToArray(), ranking.Candidates[0].Psnr, ranking.Candidates[0].Origin,
            }, CliJson.Options));
        }
        return ExitCodes.Success;
    }

    /// <summary>--max-ms or --as-fast-as as a ceiling measured with ONNX Runtime on this machine; null without either.</summary>
    private static TrainingSelection.LatencyCeiling? Ceiling(double? maxMs, string? asFastAs, string size, string precision)
    {
        if (maxMs is not null && asFastAs is not null) throw new CliUsageException("--max-ms and --as-fast-as are two ceilings: give one");
        if (maxMs is not null && !(double.IsFinite(maxMs.Value) && maxMs > 0)) throw new CliUsageException(FormattableString.Invariant($"--max-ms {maxMs}: give a positive number of milliseconds"));
        if (asFastAs is { } named && string.IsNullOrWhiteSpace(named)) throw new CliUsageException("--as-fast-as: name a hand design, NAME:DEPTH:WIDTH (e.g. ffdnet:7:48)");
        if (maxMs is null && asFastAs is null) return null;
        var (width, height) = OptionParsing.ParseSize(size, "--latency-size");
        var ceiling = asFastAs is not null
            ? TrainingSelection.LatencyCeiling.AsFastAs(asFastAs, width, height, (candidate, reference) => NetworkTiming.MeasureAgainst(candidate, reference, width, height, precision))
            : TrainingSelection.LatencyCeiling.Within(maxMs!.Value, width, height, options => NetworkTiming.Measure(options, width, height, precision));
        return ceiling with { Precision = precision };
    }

    private static int TrainNetworks(string dir, int top, long? maxParameters, TrainingSelection.LatencyCeiling? maxLatency, Nas.Settings.TrainSettings settings,
        bool show, CliOutput output, CancellationToken cancellation)
    {
        var (best, selection) = TrainingSelection.Run(dir, top, maxParameters, settings,
            show ? new LineProgress<(int Done, int Total, TrainingSelection.Candidate Trained)>(p => string.Create(CultureInfo.InvariantCulture,
                $"network {p.Done}/{p.Total} trained: {p.Trained.ValidationPsnr:F2} dB  (ranking place {p.Trained.RankingPlace}, {p.Trained.Origin})"), output.Out) : null,
            cancellation, maxLatency);
        var path = Path.Combine(dir, TrainingSelection.GenotypeFile);
        var winner = selection.Candidates[0];
        if (show)
        {
            if (selection.OverCeiling.Count > 0)
                output.Out.WriteLine(FormattableString.Invariant($"passed over, slower than {(selection.AsFastAs is { } r ? r + " timed beside each" : $"{selection.MaxMs} ms")} at {selection.LatencyResolution}: ")
                    + string.Join(", ", selection.OverCeiling.Select(o => FormattableString.Invariant($"place {o.RankingPlace} {o.Origin} {Timing(o.LatencyMs, o.ReferenceMs)}"))));
            output.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{selection.Candidates.Count} networks trained {selection.Iterations:N0} iterations each (seed {selection.Seed}, {selection.Data}), best validation PSNR first:"));
            foreach (var c in selection.Candidates)
                output.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {c.ValidationPsnr:F2} dB  ranking place {c.RankingPlace} ({c.RankingPsnr:F2} dB)  {c.Parameters,8:N0} params  [{string.Join(",", c.WidthPath)}]{(c.LatencyMs is { } ms ? $"  {Timing(ms, c.ReferenceMs)}" : "")}  {c.Origin}"));
            WriteGenotype(best, output);
            output.Out.WriteLine($"wrote {path} and {Path.Combine(dir, TrainingSelection.SelectionFile)}; its training: {Path.Combine(dir, winner.Training)}");
        }
        else
        {
            output.Out.WriteLine(JsonSerializer.Serialize(new
            {
                RunDir = dir, Genotype = path, Selection = Path.Combine(dir, TrainingSelection.SelectionFile), best.WidthPath,
                Cells = best.Cells.Select(c => c.ToString()).ToArray(), winner.ValidationPsnr, winner.RankingPlace, winner.Origin, winner.LatencyMs, winner.ReferenceMs, Training = Path.Combine(dir, winner.Training),
            }, CliJson.Options));
        }
        return ExitCodes.Success;
    }

    /// <summary>A candidate's frame time, and the reference's timed beside it.</summary>
    private static string Timing(double ms, double? referenceMs) =>
        FormattableString.Invariant($"{ms:F1} ms{(referenceMs is { } r ? $" (reference {r:F1} ms)" : "")}");

    private static Genotype Load(FileInfo file)
    {
        try
        {
            return GenotypeJson.Load(file.FullName);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or System.Text.Json.JsonException or ArgumentException)
        {
            throw new InvalidDataException($"--candidate {file.FullName}: {e.Message}", e);
        }
    }

    private static void WriteGenotype(Genotype genotype, CliOutput output)
    {
        output.Out.WriteLine($"width path: [{string.Join(", ", genotype.WidthPath)}]");
        for (var l = 0; l < genotype.Cells.Count; l++) output.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"layer {l + 1}: {genotype.Cells[l]}"));
    }
}
