using System.Globalization;
using HiNas.Search.Searching;
using Spectre.Console;

namespace HiNas.Cli.Infrastructure;

/// <summary>
/// Shows a search's progress: a live bar (steps, losses, ETA) on an interactive terminal, one line per epoch
/// otherwise (logs, pipes, tests).
/// </summary>
public static class SearchProgressView
{
    public static T Run<T>(CliOutput output, bool show, Func<IProgress<SearchEvent>, T> work)
    {
        if (!show) return work(new Reporter(_ => { }));
        var interactive = ReferenceEquals(output.Out, Console.Out) && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
        if (!interactive) return work(new Reporter(e => { if (e.Kind == "epoch") output.Out.WriteLine(EpochLine(e)); }));

        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context =>
            {
                ProgressTask? bar = null;
                result = work(new Reporter(e =>
                {
                    bar ??= context.AddTask("search", maxValue: e.TotalSteps);
                    bar.Value = e.CompletedSteps;
                    bar.Description = Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                        $"epoch {e.Epoch}/{e.Epochs} {e.Phase} loss {e.WeightLoss ?? 0:F4}"));
                    if (e.Kind == "epoch") AnsiConsole.MarkupLine(Markup.Escape(EpochLine(e)));
                }));
            });
        return result;
    }

    public static string EpochLine(SearchEvent e)
    {
        var architect = e.ArchitectLoss is { } a ? string.Create(CultureInfo.InvariantCulture, $" arch-loss {a:F5}") : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"epoch {e.Epoch}/{e.Epochs} [{e.Phase}] loss {e.WeightLoss:F5}{architect} val PSNR {e.ValidationPsnr:F2} dB  elapsed {Duration(e.ElapsedSeconds)}  ETA {Duration(e.EtaSeconds)}");
    }

    private static string Duration(double seconds) => TimeSpan.FromSeconds(Math.Round(seconds)).ToString(seconds >= 3600 ? @"h\:mm\:ss" : @"m\:ss", CultureInfo.InvariantCulture);

    private sealed class Reporter(Action<SearchEvent> report) : IProgress<SearchEvent>
    {
        public void Report(SearchEvent value) => report(value);
    }
}
