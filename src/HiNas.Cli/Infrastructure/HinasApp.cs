using System.CommandLine;
using HiNas.Cli.Commands;

namespace HiNas.Cli.Infrastructure;

/// <summary>Builds the `hinas` command tree and runs it with clean, one-line errors.</summary>
public static class HinasApp
{
    public static RootCommand BuildRoot(CliOutput output)
    {
        var root = new RootCommand("hinas — search, train, evaluate and serve image restoration networks (HiNAS)");
        root.Subcommands.Add(MetricsCommand.Create(output));
        root.Subcommands.Add(DegradeCommand.Create(output));
        root.Subcommands.Add(DatasetCommand.Create(output));
        root.Subcommands.Add(SearchCommand.Create(output));
        root.Subcommands.Add(SelectCommand.Create(output));
        root.Subcommands.Add(TrainCommand.Create(output));
        root.Subcommands.Add(EvalCommand.Create(output));
        root.Subcommands.Add(ExportCommand.Create(output));
        root.Subcommands.Add(RestoreCommand.Create(output));
        root.Subcommands.Add(ProfileLatencyCommand.Create(output));
        root.Subcommands.Add(RunCommand.Create(output));
        root.Subcommands.Add(JobsCommand.Create(output));
        root.Subcommands.Add(ModelsCommand.Create(output));
        return root;
    }

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellation = default)
    {
        var output = new CliOutput(stdout, stderr);
        var root = BuildRoot(output);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            output.Fail(string.Join("; ", parse.Errors.Select(e => CliErrors.DescribeParseError(e.Message))) + " (see 'hinas --help')");
            return ExitCodes.Usage;
        }
        var configuration = new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false };
        try
        {
            return await parse.InvokeAsync(configuration, cancellation);
        }
        catch (Grpc.Core.RpcException e) when (e.StatusCode != Grpc.Core.StatusCode.Cancelled || !cancellation.IsCancellationRequested)
        {
            output.Fail($"server: {e.StatusCode}: {e.Status.Detail}");
            return ExitCodes.Failure;
        }
        catch (Exception e) when (e is CliUsageException or HiNas.Nas.Settings.SettingException)
        {
            output.Fail(e.Message);
            return ExitCodes.Usage; // a wrong combination of options is a wrong command line, found after parsing
        }
        catch (Exception e) when (CliErrors.IsUserError(e))
        {
            output.Fail(CliErrors.Describe(e));
            return ExitCodes.Failure;
        }
        catch (OperationCanceledException)
        {
            output.Fail("cancelled");
            return ExitCodes.Cancelled;
        }
    }
}
