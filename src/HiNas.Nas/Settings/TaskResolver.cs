using HiNas.Imaging.Tasks;

namespace HiNas.Nas.Settings;

/// <summary>
/// The one resolver of a task: defaults (σ 25 and gray for denoising, ×2 and RGB for super-resolution), ranges,
/// and which settings fit which kind. The CLI and the Jobs service both call it.
/// </summary>
public static class TaskResolver
{
    public const string Denoise = "denoise";
    public const string SuperResolution = "sr";

    /// <param name="defaults">Values for the unset settings of the same kind (e.g. a genotype's task); else the defaults above.</param>
    public static RestorationTask Resolve(TaskSettings settings, RestorationTask? defaults = null)
    {
        var kind = settings.Kind is { Length: > 0 } k ? k : throw new SettingException("kind", "is not given; give denoise or sr");
        if (kind is not (Denoise or SuperResolution)) throw new SettingException("kind", $"'{kind}' is not denoise or sr");
        var channels = settings.Channels ?? defaults?.Channels ?? (kind == Denoise ? 1 : 3);
        if (channels is not (1 or 3)) throw new SettingException("channels", $"must be 1 or 3, got {channels}");
        if (kind == Denoise)
        {
            if (settings.Scale is not null) throw new SettingException("scale", "is for sr");
            var sigma = settings.Sigma ?? (defaults is { Kind: RestorationKind.Denoise } d ? d.Sigma : 25);
            if (!double.IsFinite(sigma) || sigma <= 0 || sigma > 255) throw new SettingException("sigma", $"must be in (0, 255], got {sigma}");
            return RestorationTask.Denoise(sigma, channels);
        }
        if (settings.Sigma is not null) throw new SettingException("sigma", "is for denoise");
        var scale = settings.Scale ?? (defaults is { Kind: RestorationKind.SuperResolution } s ? s.Scale : 2);
        if (scale is < 2 or > 4) throw new SettingException("scale", $"must be 2, 3 or 4, got {scale}");
        return RestorationTask.SuperResolution(scale, channels);
    }

    public static string KindName(RestorationKind kind) => kind == RestorationKind.Denoise ? Denoise : SuperResolution;
}
