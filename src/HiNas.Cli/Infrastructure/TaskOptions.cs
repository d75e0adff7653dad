using System.CommandLine;
using HiNas.Imaging.Tasks;

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

    public bool IsGiven(ParseResult parse) => parse.GetValue(Task) is not null;

    /// <summary>The task named on the command line; <paramref name="fallbackKind"/> applies when --task is absent.</summary>
    public RestorationTask Resolve(ParseResult parse, string? fallbackKind = null, RestorationTask? defaults = null)
    {
        var kind = parse.GetValue(Task) ?? fallbackKind ?? throw new CliUsageException("--task denoise|sr is required");
        var channels = parse.GetValue(Channels) ?? defaults?.Channels ?? (kind == "denoise" ? 1 : 3);
        if (channels is not (1 or 3)) throw new CliUsageException($"--channels must be 1 or 3, got {channels}");
        if (kind == "denoise")
        {
            if (parse.GetValue(Scale) is not null) throw new CliUsageException("--scale is for --task sr");
            var sigma = parse.GetValue(Sigma) ?? (defaults is { Kind: RestorationKind.Denoise } d ? d.Sigma : 25);
            if (!double.IsFinite(sigma) || sigma <= 0 || sigma > 255) throw new CliUsageException($"--sigma must be in (0, 255], got {sigma}");
            return RestorationTask.Denoise(sigma, channels);
        }
        if (parse.GetValue(Sigma) is not null) throw new CliUsageException("--sigma is for --task denoise");
        var scale = parse.GetValue(Scale) ?? (defaults is { Kind: RestorationKind.SuperResolution } s ? s.Scale : 2);
        if (scale is < 2 or > 4) throw new CliUsageException($"--scale must be 2, 3 or 4, got {scale}");
        return RestorationTask.SuperResolution(scale, channels);
    }
}
