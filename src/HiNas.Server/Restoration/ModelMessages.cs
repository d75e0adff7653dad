using System.Globalization;
using HiNas.Inference.Packages;
using HiNas.Protocol.V1;
using Proto = HiNas.Protocol.V1;

namespace HiNas.Server.Restoration;

/// <summary>Manifests and pixel formats between the domain and the wire.</summary>
public static class ModelMessages
{
    public static Model ToMessage(this ModelManifest m)
    {
        var model = new Model
        {
            Id = m.Id, Version = m.Version, Task = m.Task, Scale = m.Scale, Channels = m.Channels,
            Architecture = m.Architecture ?? "", Params = m.Params, FlopsPerMegapixel = m.FlopsPerMegapixel,
            Created = m.Created.ToString("O", CultureInfo.InvariantCulture), GenotypeJson = m.Genotype?.ToJsonString() ?? "",
            Producer = m.Producer ?? "", ModelSha256 = m.ModelSha256, Precision = m.Precision,
        };
        if (m.Sigma is { } sigma) model.Sigma = sigma;
        if (m.SigmaRange is { } range) model.SigmaRange.AddRange(range);
        model.TakesNoiseLevel = m.NoiseLevelInput is not null;
        if (m.Metrics is { } metrics) model.Metrics.Add(metrics);
        if (m.Latency is { } latency)
        {
            model.MeasuredLatencyMs = latency.MeasuredMs;
            model.LatencyResolution = $"{latency.Width}x{latency.Height}";
            if (latency.BudgetMs is { } budget) model.LatencyBudgetMs = budget;
        }
        return model;
    }

    /// <summary>The domain pixel format, or null for UNSPECIFIED and values this server does not know.</summary>
    public static Inference.Frames.PixelFormat? ToDomain(this Proto.PixelFormat format) => format switch
    {
        Proto.PixelFormat.Rgba8 => Inference.Frames.PixelFormat.Rgba8,
        Proto.PixelFormat.Bgra8 => Inference.Frames.PixelFormat.Bgra8,
        Proto.PixelFormat.Rgb8 => Inference.Frames.PixelFormat.Rgb8,
        Proto.PixelFormat.Gray8 => Inference.Frames.PixelFormat.Gray8,
        _ => null,
    };

    public static Proto.PixelFormat ToMessage(this Inference.Frames.PixelFormat format) => format switch
    {
        Inference.Frames.PixelFormat.Rgba8 => Proto.PixelFormat.Rgba8,
        Inference.Frames.PixelFormat.Bgra8 => Proto.PixelFormat.Bgra8,
        Inference.Frames.PixelFormat.Rgb8 => Proto.PixelFormat.Rgb8,
        _ => Proto.PixelFormat.Gray8,
    };
}
