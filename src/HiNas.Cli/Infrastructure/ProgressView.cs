using System.Globalization;
using HiNas.Search.Searching;
using HiNas.Search.Training;
using Spectre.Console;
using HiNas.Nas.Runs;
using HiNas.Nas.Settings;

namespace HiNas.Cli.Infrastructure;

/// <summary>
/// Shows a long run's progress: a live bar (the share done by time, <see cref="RunProgress"/>; description, ETA) on an interactive terminal, and the
/// milestone lines (epochs, validations) either way — the only output when stdout is a pipe or a log.
/// </summary>
public static class ProgressView
{
    public static T Search<T>(CliOutput output, bool show, Func<IProgress<SearchEvent>, T> work) => Run(output, show, work,
        e => (RunProgress.Fraction(e.ElapsedSeconds, e.EtaSeconds, e.CompletedSteps, e.TotalSteps), string.Create(CultureInfo.InvariantCulture, $"epoch {e.Epoch}/{e.Epochs} {e.Phase} loss {e.WeightLoss ?? 0:F4}")),
        e => e.Kind == "epoch" ? EpochLine(e) : null);

    public static T Train<T>(CliOutput output, bool show, Func<IProgress<TrainEvent>, T> work) => Run(output, show, work,
        e => (RunProgress.Fraction(e.ElapsedSeconds, e.EtaSeconds, e.Iteration, e.Iterations), string.Create(CultureInfo.InvariantCulture, $"iteration {e.Iteration}/{e.Iterations} loss {e.Loss ?? 0:F4}")),
        e => e.Kind == "validation" ? ValidationLine(e) : null);

    public static string EpochLine(SearchEvent e)
    {
        var architect = e.ArchitectLoss is { } a ? string.Create(CultureInfo.InvariantCulture, $" arch-loss {a:F5}") : "";
        var latency = e.BudgetMs is { } budget
            ? string.Create(CultureInfo.InvariantCulture,
                $"  derived {e.DerivedLatencyMs:F1} ms predicted{(e.MeasuredLatencyMs is { } m ? $", {m:F1} measured" : "")} (budget {budget:F1})")
            : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"epoch {e.Epoch}/{e.Epochs} [{e.Phase}] loss {e.WeightLoss:F5}{architect} val PSNR {e.ValidationPsnr:F2} dB{latency}  elapsed {Duration(e.ElapsedSeconds)}  ETA {Duration(e.EtaSeconds)}");
    }

    public static string ValidationLine(TrainEvent e) => string.Create(CultureInfo.InvariantCulture,
        $"iteration {e.Iteration}/{e.Iterations} val PSNR {e.ValidationPsnr:F2} dB (best {e.BestPsnr:F2} at {e.BestIteration})  lr {e.LearningRate:G3}  elapsed {Duration(e.ElapsedSeconds)}  ETA {Duration(e.EtaSeconds)}");

    internal static T Run<TEvent, T>(CliOutput output, bool show, Func<IProgress<TEvent>, T> work,
        Func<TEvent, (double Fraction, string Description)> state, Func<TEvent, string?> milestone)
    {
        if (!show) return work(new Reporter<TEvent>(_ => { }));
        var interactive = ReferenceEquals(output.Out, Console.Out) && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
        if (!interactive) return work(new Reporter<TEvent>(e => { if (milestone(e) is { } line) output.Out.WriteLine(line); }));

        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context =>
            {
                ProgressTask? bar = null;
                result = work(new Reporter<TEvent>(e =>
                {
                    var (fraction, description) = state(e);
                    bar ??= context.AddTask("", maxValue: 1);
                    bar.Value = Math.Max(bar.Value, fraction); // a time left re-estimated upwards does not move the bar back
                    bar.Description = Markup.Escape(description);
                    if (milestone(e) is { } line) AnsiConsole.MarkupLine(Markup.Escape(line));
                }));
            });
        return result;
    }

    private static string Duration(double seconds) => TimeSpan.FromSeconds(Math.Round(seconds)).ToString(seconds >= 3600 ? @"h\:mm\:ss" : @"m\:ss", CultureInfo.InvariantCulture);

    private sealed class Reporter<TEvent>(Action<TEvent> report) : IProgress<TEvent>
    {
        public void Report(TEvent value) => report(value);
    }
}
