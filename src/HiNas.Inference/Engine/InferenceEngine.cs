using System.Diagnostics;
using HiNas.Imaging.Pixels;
using HiNas.Inference.Frames;

namespace HiNas.Inference.Engine;

/// <summary>
/// Raw frames and planar images through a <see cref="RestorationModel"/>, with per-stage timings. A frame goes
/// through three steps — <see cref="Prepare"/> (bytes → planar tensor), <see cref="Run"/> (ONNX Runtime) and
/// <see cref="Finish"/> (tensor → bytes) — so that a server can convert one frame while the next one runs;
/// <see cref="Restore(RestorationModel, ReadOnlySpan{byte}, FrameLayout)"/> does all three.
/// </summary>
public static class InferenceEngine
{
    /// <summary>
    /// Restores one raw frame; the layout must have been checked (<see cref="FrameLayout.Problem"/>), and σ
    /// (<see cref="Packages.ModelManifest.SigmaProblem"/>; null = the model's own) is the frame's noise for a model that takes it.
    /// </summary>
    public static FrameResult Restore(RestorationModel model, ReadOnlySpan<byte> pixels, FrameLayout layout, double? sigma = null)
    {
        using var frame = Prepare(model, pixels, layout, sigma);
        Run(frame);
        return Finish(frame, pixels);
    }

    /// <summary>Converts a raw frame into the model's input tensor (leased buffers: dispose the result, or call <see cref="Finish"/>).</summary>
    public static PreparedFrame Prepare(RestorationModel model, ReadOnlySpan<byte> pixels, FrameLayout layout, double? sigma = null)
    {
        if (layout.Problem(pixels.Length) is { } problem) throw new ArgumentException(problem);
        var clock = Stopwatch.StartNew();
        var planes = FrameConverter.PlaneCount(layout.Format, model.Channels);
        // A gray model restores each colour plane as its own image; an RGB model takes the three planes at once.
        var (n, c) = model.Channels == 1 ? (planes, 1) : (1, 3);
        var lease = model.Lease(n, c, layout.Height, layout.Width, sigma);
        try
        {
            FrameConverter.ToPlanar(pixels, layout, model.Channels, lease.Input);
        }
        catch
        {
            lease.Dispose();
            throw;
        }
        return new PreparedFrame(model, layout, planes, lease, clock.Elapsed.TotalMilliseconds);
    }

    /// <summary>Runs the model on a prepared frame.</summary>
    public static void Run(PreparedFrame frame)
    {
        var clock = Stopwatch.StartNew();
        frame.Lease.Run();
        frame.InferenceMs = clock.Elapsed.TotalMilliseconds;
    }

    /// <summary>Converts the output back into a tightly packed frame of the input's format (alpha from <paramref name="pixels"/>, the same bytes Prepare had) and releases the buffers.</summary>
    /// <param name="output">
    /// gives the array for the frame's bytes (exactly the size asked; every byte is written) — a stream reuses the arrays
    /// of frames it has sent: on these virtual machines writing a fresh 3.7 MB array faults in its pages, ~20 ms of CPU
    /// against ~4 for the conversion into one already touched (a 1280×720 RGBA frame). Default: a new array.
    /// </param>
    public static FrameResult Finish(PreparedFrame frame, ReadOnlySpan<byte> pixels, Func<int, byte[]>? output = null)
    {
        var clock = Stopwatch.StartNew();
        var model = frame.Model;
        var layout = frame.Layout;
        var (ow, oh) = (layout.Width * model.Scale, layout.Height * model.Scale);
        var stride = ow * layout.Format.BytesPerPixel();
        var bytes = output?.Invoke(stride * oh) ?? new byte[stride * oh];
        if (bytes.Length != stride * oh) throw new ArgumentException($"the output array has {bytes.Length} bytes, the frame {stride * oh}", nameof(output));
        FrameConverter.FromPlanar(frame.Lease.Output, ow, oh, frame.Planes, pixels, layout, model.Scale, bytes);
        frame.Dispose();
        return new FrameResult(bytes, ow, oh, stride, layout.Format, new StageTimings(frame.PreprocessMs, frame.InferenceMs, clock.Elapsed.TotalMilliseconds));
    }

    /// <summary>Restores a planar image (values in [0, 1], 1 or 3 channels; converted to the model's channels).</summary>
    public static PlanarImage Restore(RestorationModel model, PlanarImage image, double? sigma = null)
    {
        var source = model.Channels == image.Channels ? image : ColorConversion.ToChannels(image, model.Channels);
        var output = model.Restore(source.Data, 1, source.Channels, source.Height, source.Width, sigma);
        return new PlanarImage(source.Channels, source.Height * model.Scale, source.Width * model.Scale, output);
    }
}

/// <summary>A frame between <see cref="InferenceEngine.Prepare"/> and <see cref="InferenceEngine.Finish"/>: its model input (and, after Run, output) in leased buffers.</summary>
public sealed class PreparedFrame : IDisposable
{
    private bool _disposed;

    internal PreparedFrame(RestorationModel model, FrameLayout layout, int planes, RestorationModel.RestorationLease lease, double preprocessMs)
    {
        Model = model;
        Layout = layout;
        Planes = planes;
        Lease = lease;
        PreprocessMs = preprocessMs;
    }

    public RestorationModel Model { get; }
    public FrameLayout Layout { get; }
    public int Planes { get; }
    internal RestorationModel.RestorationLease Lease { get; }
    public double PreprocessMs { get; }
    public double InferenceMs { get; internal set; }

    /// <summary>Gives the buffers back (once).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Lease.Dispose();
    }
}
