using System.CommandLine;
using HiNas.Imaging.Tasks;
using HiNas.Nas.Settings;

namespace HiNas.Cli.Infrastructure;

/// <summary>The --task/--sigma/--scale/--channels options every command that names a task shares.</summary>
public sealed class TaskOptions
{
    public Option<string?> Task { get; } = new("--task") { Description = "denoise or sr" };
    public Option<double?> Sigma { get; } = new("--sigma") { Description = "noise σ on [0,255] for denoising (default 25)" };
    public Option<int?> Scale { get; } = new("--scale") { Description = "SR scale: 2, 3 or 4 (default 2)" };
    public Option<int?> Channels { get; } = new("--channels") { Description = "1 (gray) or 3 (RGB); default gray for denoising, RGB for SR" };

    public TaskOptions()
    {
        Task.AcceptOnlyFromAmong("denoise", "sr");
    }

    /// <summary>Puts the task options first in the command's help.</summary>
    public void AddTo(Command command)
    {
        command.Options.Insert(0, Channels);
        command.Options.Insert(0, Scale);
        command.Options.Insert(0, Sigma);
        command.Options.Insert(0, Task);
    }

    /// <summary>Whether any of --task, --sigma, --scale, --channels is given (a σ alone changes a model's task too).</summary>
    public bool IsGiven(ParseResult parse) =>
        parse.GetValue(Task) is not null || parse.GetValue(Sigma) is not null || parse.GetValue(Scale) is not null || parse.GetValue(Channels) is not null;

    /// <summary>
    /// The task named on the command line (resolved by <see cref="TaskResolver"/>); when --task is absent, the kind is
    /// <paramref name="fallbackKind"/>, else that of <paramref name="defaults"/> (a model's or genotype's task).
    /// </summary>
    public RestorationTask Resolve(ParseResult parse, string? fallbackKind = null, RestorationTask? defaults = null) =>
        TaskResolver.Resolve(new TaskSettings
        {
            Kind = parse.GetValue(Task) ?? fallbackKind ?? (defaults is { } d ? TaskResolver.KindName(d.Kind) : null),
            Sigma = parse.GetValue(Sigma), Scale = parse.GetValue(Scale), Channels = parse.GetValue(Channels),
        }, defaults);
}
