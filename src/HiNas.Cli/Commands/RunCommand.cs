using System.CommandLine;
using HiNas.Cli.Infrastructure;
using HiNas.Nas.Runs;
using HiNas.Nas.Workers;
using HiNas.Pipelines;

namespace HiNas.Cli.Commands;

/// <summary>
/// `hinas run profile|search|train|export --options-file F --run DIR`: one worker stage (<see cref="WorkerRunner"/>),
/// the contract the Jobs service starts its workers with. It ends by writing DIR/result.json, which says whether the
/// stage succeeded and, if not, why; its milestones go to stdout and events.jsonl.
/// </summary>
public static class RunCommand
{
    public static Command Create(CliOutput output)
    {
        var stage = new Argument<string>("stage") { Description = "profile, search, train or export" };
        stage.AcceptOnlyFromAmong(WorkerStage.All.ToArray());
        var optionsFile = new Option<FileInfo>("--options-file") { Description = "the stage's resolved options (options.json of a search or training; export or profile options)", Required = true };
        var runDir = new Option<DirectoryInfo>("--run") { Description = "the run folder: checkpoints, events.jsonl and result.json (a search or training in it resumes)", Required = true };
        var command = new Command("run", "Run one worker stage from an options file in a run folder, ending with result.json (what the Jobs service starts)")
        {
            stage, optionsFile, runDir,
        };
        command.SetAction((parse, cancellation) =>
        {
            ParentWatchdog.StartFromEnvironment(output.Out.WriteLine);
            var progress = new WorkerProgress
            {
                Search = new LineProgress<SearchEvent>(e => e.Kind == "epoch" ? ProgressView.EpochLine(e) : null, output.Out),
                Train = new LineProgress<TrainEvent>(e => e.Kind == "validation" ? ProgressView.ValidationLine(e) : null, output.Out),
                Log = output.Out.WriteLine,
            };
            var result = WorkerRunner.Run(parse.GetValue(stage)!, parse.GetValue(optionsFile)!.FullName, parse.GetValue(runDir)!.FullName, progress, cancellation);
            if (result.Message is { } message) output.Out.WriteLine(message);
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }
}
