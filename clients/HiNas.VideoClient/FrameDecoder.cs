using System.Diagnostics;

namespace HiNas.VideoClient;

/// <summary>ffmpeg decoding the input's first video stream to raw RGBA frames on a pipe.</summary>
public sealed class FrameDecoder : IDisposable
{
    private readonly Process _process;
    private readonly Stream _stdout;
    private readonly Task<string> _stderr;

    public FrameDecoder(string ffmpeg, string input, int width, int height)
    {
        FrameBytes = width * height * 4;
        _process = Ffmpeg.Start(ffmpeg, new[] { "-v", "error", "-nostdin", "-i", input, "-map", "0:v:0", "-f", "rawvideo", "-pix_fmt", "rgba", "-" }, redirectInput: false);
        _stdout = _process.StandardOutput.BaseStream;
        _stderr = _process.StandardError.ReadToEndAsync();
    }

    public int FrameBytes { get; }

    /// <summary>Fills <paramref name="frame"/> with the next frame; false at the end of the video.</summary>
    public async Task<bool> ReadAsync(byte[] frame, CancellationToken cancellation)
    {
        var read = 0;
        while (read < FrameBytes)
        {
            var n = await _stdout.ReadAsync(frame.AsMemory(read, FrameBytes - read), cancellation);
            if (n == 0) break;
            read += n;
        }
        if (read == FrameBytes) return true;
        await _process.WaitForExitAsync(cancellation);
        if (_process.ExitCode != 0) throw new VideoClientException($"ffmpeg could not decode the input: {Ffmpeg.LastLine(await _stderr)}");
        return false; // a partial last frame (never produced by rawvideo) is ignored
    }

    public void Dispose() => Ffmpeg.Stop(_process);
}
