using System.Diagnostics;

namespace HiNas.VideoClient;

/// <summary>ffmpeg encoding raw RGBA frames from a pipe at the input's frame rate, copying the input's audio when it has any.</summary>
public sealed class FrameEncoder : IDisposable
{
    private readonly Process _process;
    private readonly Stream _stdin;
    private readonly Task<string> _stderr;

    public FrameEncoder(VideoOptions options, VideoProbe probe, int width, int height)
    {
        var args = new List<string>
        {
            "-v", "error", options.Overwrite ? "-y" : "-n",
            "-f", "rawvideo", "-pix_fmt", "rgba", "-s", $"{width}x{height}", "-framerate", probe.FrameRate, "-i", "-",
        };
        if (probe.HasAudio) args.AddRange(new[] { "-i", options.Input, "-map", "0:v:0", "-map", "1:a", "-c:a", "copy" });
        args.AddRange(new[] { "-c:v", options.Codec });
        args.AddRange(options.Codec switch
        {
            "libx264" or "libx265" => new[] { "-crf", options.Crf.ToString(System.Globalization.CultureInfo.InvariantCulture), "-pix_fmt", "yuv420p" },
            "ffv1" => new[] { "-pix_fmt", "bgr0" },
            _ => Array.Empty<string>(),
        });
        args.Add(options.Output);
        _process = Ffmpeg.Start(options.Ffmpeg, args, redirectInput: true);
        _stdin = _process.StandardInput.BaseStream;
        _stderr = _process.StandardError.ReadToEndAsync();
    }

    public async Task WriteAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellation)
    {
        try
        {
            await _stdin.WriteAsync(frame, cancellation);
        }
        catch (IOException)
        {
            await _process.WaitForExitAsync(cancellation);
            throw new VideoClientException($"ffmpeg stopped encoding: {Ffmpeg.LastLine(await _stderr)}");
        }
    }

    /// <summary>Closes the pipe and waits for ffmpeg to finish the file.</summary>
    public async Task FinishAsync(CancellationToken cancellation)
    {
        _stdin.Close();
        await _process.WaitForExitAsync(cancellation);
        if (_process.ExitCode != 0) throw new VideoClientException($"ffmpeg could not write '{_process.StartInfo.ArgumentList[^1]}': {Ffmpeg.LastLine(await _stderr)}");
    }

    public void Dispose() => Ffmpeg.Stop(_process);
}
