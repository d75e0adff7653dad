using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using HiNas.Cli.Infrastructure;
using HiNas.Nas.Genotypes;
using HiNas.Search.Searching;

namespace HiNas.Cli.Commands;

/// <summary>
/// `hinas select RUN_DIR`: derives a search run's network from its trained supernet instead of from α — by edges
/// (<see cref="PerturbationSelection"/>) or by whole networks (<see cref="NetworkRanking"/>).
/// </summary>
public static class SelectCommand
{
    public const string Perturbation = "perturbation";
    public const string Ranking = "ranking";

    public static Command Create(CliOutput output)
    {
        var runDir = new Argument<DirectoryInfo>("RUN_DIR") { Description = "a search run folder that still has its checkpoints/" };
        var by = new Option<string>("--by")
        {
            Description = $"{Perturbation}: each edge's operation by the validation PSNR the supernet loses when the operation alone is taken out of its edge (writes {PerturbationSelection.GenotypeFile}, {PerturbationSelection.StrengthsFile}); "
                + $"{Ranking}: whole networks — a mixture search's on β's width path (α's, the perturbation selection's, drawn from α and uniformly), a single-path search's drawn as it trained them — each run as a sub-network of the supernet with recalibrated BatchNorm statistics and ranked by validation PSNR (writes {NetworkRanking.GenotypeFile}, {NetworkRanking.RankingFile})",
            DefaultValueFactory = _ => Perturbation,
        };
        by.AcceptOnlyFromAmong(Perturbation, Ranking);
        var samples = new Option<int?>("--samples") { Description = $"--by {Ranking}: networks to draw — a mixture search's on β's width path, half from α and half uniformly; a single-path search's as it trained them (default: a single-path search's ranked_networks, else {NetworkRanking.DefaultSamples})" };
        var batches = new Option<int>("--batches") { Description = $"--by {Ranking}: training batches each network's BatchNorm statistics are recalibrated on (default {NetworkRanking.DefaultBatches})", DefaultValueFactory = _ => NetworkRanking.DefaultBatches };
        var candidates = new Option<FileInfo[]>("--candidate") { Description = $"--by {Ranking}: a genotype.json to rank too, on its own width path (repeatable)", AllowMultipleArgumentsPerToken = false };
        var maxParameters = new Option<long?>("--max-parameters") { Description = $"--by {Ranking}: rank only networks of at most this many parameters (as searched: ×1, light head)" };
        var json = new Option<bool>("--json") { Description = "print the result as one JSON object" };
        var command = new Command("select", "derive a search run's network from its trained supernet instead of from α: by edges or by whole networks (--by)");
        command.Arguments.Add(runDir);
        foreach (var option in new Option[] { by, samples, batches, candidates, maxParameters, json }) command.Options.Add(option);
        command.SetAction((parse, cancellation) =>
        {
            var dir = parse.GetValue(runDir)!.FullName;
            var show = !parse.GetValue(json);
            var ranking = parse.GetValue(by) == Ranking;
            var given = parse.GetValue(candidates) ?? [];
            if (!ranking && (given.Length > 0 || parse.GetValue(samples) is not null || parse.GetResult(batches) is { Implicit: false } || parse.GetValue(maxParameters) is not null))
                throw new CliUsageException($"--samples, --batches, --candidate and --max-parameters are options of --by {Ranking}");
            return Task.FromResult(ranking
                ? RankNetworks(dir, parse.GetValue(samples), parse.GetValue(batches), given, parse.GetValue(maxParameters), show, output, cancellation)
                : SelectEdges(dir, show, output, cancellation));
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
