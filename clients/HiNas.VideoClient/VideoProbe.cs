using System.Globalization;
using System.Text.Json;

namespace HiNas.VideoClient;

/// <summary>What ffprobe says about the input: the first video stream's size, frame rate and frame count, and whether there is audio.</summary>
public sealed record VideoProbe(int Width, int Height, string FrameRate, double FramesPerSecond, long? FrameCount, bool HasAudio)
{
    public static async Task<VideoProbe> RunAsync(string ffprobe, string input, CancellationToken cancellation)
    {
        if (!File.Exists(input)) throw new VideoClientException($"input '{input}' does not exist");
        var json = await Ffmpeg.RunAsync(ffprobe, new[] { "-v", "error", "-print_format", "json", "-show_streams", "-show_format", input }, cancellation);
        using var document = JsonDocument.Parse(json);
        var streams = document.RootElement.TryGetProperty("streams", out var s) ? s.EnumerateArray().ToArray() : Array.Empty<JsonElement>();
        var video = streams.FirstOrDefault(x => x.GetProperty("codec_type").GetString() == "video");
        if (video.ValueKind == JsonValueKind.Undefined) throw new VideoClientException($"input '{input}' has no video stream");
        var width = video.GetProperty("width").GetInt32();
        var height = video.GetProperty("height").GetInt32();
        var rate = video.TryGetProperty("avg_frame_rate", out var avg) && avg.GetString() is { } a && a != "0/0" ? a : video.GetProperty("r_frame_rate").GetString()!;
        var fps = ParseRate(rate);
        long? frames = video.TryGetProperty("nb_frames", out var nb) && long.TryParse(nb.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
        if (frames is null && document.RootElement.TryGetProperty("format", out var format) && format.TryGetProperty("duration", out var d)
            && double.TryParse(d.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
            frames = (long)Math.Round(seconds * fps);
        return new VideoProbe(width, height, rate, fps, frames, streams.Any(x => x.GetProperty("codec_type").GetString() == "audio"));
    }

    private static double ParseRate(string rate)
    {
        var parts = rate.Split('/');
        var num = double.Parse(parts[0], CultureInfo.InvariantCulture);
        var den = parts.Length > 1 ? double.Parse(parts[1], CultureInfo.InvariantCulture) : 1;
        return den > 0 && num > 0 ? num / den : throw new VideoClientException($"the input's frame rate '{rate}' is unusable");
    }
}
