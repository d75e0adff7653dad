using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using HiNas.Cli.Infrastructure;
using HiNas.Search.Searching;

namespace HiNas.Cli.Commands;

/// <summary>`hinas select RUN_DIR`: perturbation-based selection of a search run's operations (<see cref="PerturbationSelection"/>).</summary>
public static class SelectCommand
{
    public static Command Create(CliOutput output)
    {
        var runDir = new Argument<DirectoryInfo>("RUN_DIR") { Description = "a search run folder that still has its checkpoints/" };
        var json = new Option<bool>("--json") { Description = "print the result as one JSON object" };
        var command = new Command("select",
            $"choose each edge's operation by what it is worth to the run's trained supernet (the validation PSNR the supernet loses when the operation alone is taken out of its edge) instead of by α; writes {PerturbationSelection.GenotypeFile} and {PerturbationSelection.StrengthsFile} into RUN_DIR");
        command.Arguments.Add(runDir);
        command.Options.Add(json);
        command.SetAction((parse, cancellation) =>
        {
            var dir = parse.GetValue(runDir)!.FullName;
            var show = !parse.GetValue(json);
            var genotype = PerturbationSelection.Run(dir,
                show ? new LineProgress<(int Done, int Total)>(p => $"edge {p.Done}/{p.Total} measured", output.Out) : null, cancellation);
            var path = Path.Combine(dir, PerturbationSelection.GenotypeFile);
            if (show)
            {
                output.Out.WriteLine($"width path: [{string.Join(", ", genotype.WidthPath)}]");
                for (var l = 0; l < genotype.Cells.Count; l++) output.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"layer {l + 1}: {genotype.Cells[l]}"));
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
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }
}
