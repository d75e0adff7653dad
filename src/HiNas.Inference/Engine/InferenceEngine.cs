using System.Diagnostics;
using HiNas.Imaging.Pixels;
using HiNas.Inference.Frames;

namespace HiNas.Inference.Engine;

/// <summary>Raw frames and planar images through a <see cref="RestorationModel"/>, with per-stage timings.</summary>
public static class InferenceEngine
{
    /// <summary>Restores one raw frame; the layout must have been checked (<see cref="FrameLayout.Problem"/>).</summary>
    public static FrameResult Restore(RestorationModel model, ReadOnlySpan<byte> pixels, FrameLayout layout)
    {
        if (layout.Problem(pixels.Length) is { } problem) throw new ArgumentException(problem);
        var clock = Stopwatch.StartNew();
        var planes = FrameConverter.PlaneCount(layout.Format, model.Channels);
        // A gray model restores each colour plane as its own image; an RGB model takes the three planes at once.
        var (n, c) = model.Channels == 1 ? (planes, 1) : (1, 3);
        using var lease = model.Lease(n, c, layout.Height, layout.Width);
        FrameConverter.ToPlanar(pixels, layout, model.Channels, lease.Input);
        var pre = clock.Elapsed.TotalMilliseconds;

        lease.Run();
        var inference = clock.Elapsed.TotalMilliseconds - pre;

        var (ow, oh) = (layout.Width * model.Scale, layout.Height * model.Scale);
        var stride = ow * layout.Format.BytesPerPixel();
        var bytes = new byte[stride * oh];
        FrameConverter.FromPlanar(lease.Output, ow, oh, planes, pixels, layout, model.Scale, bytes);
        var post = clock.Elapsed.TotalMilliseconds - pre - inference;
        return new FrameResult(bytes, ow, oh, stride, layout.Format, new StageTimings(pre, inference, post));
    }

    /// <summary>Restores a planar image (values in [0, 1], 1 or 3 channels; converted to the model's channels).</summary>
    public static PlanarImage Restore(RestorationModel model, PlanarImage image)
    {
        var source = model.Channels == image.Channels ? image : ColorConversion.ToChannels(image, model.Channels);
        var output = model.Restore(source.Data, 1, source.Channels, source.Height, source.Width);
        return new PlanarImage(source.Channels, source.Height * model.Scale, source.Width * model.Scale, output);
    }
}
