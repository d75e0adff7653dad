using System.ComponentModel;
using System.Diagnostics;

namespace HiNas.VideoClient;

/// <summary>A problem the user can fix (missing ffmpeg, unreadable input, unreachable server, …): one line, exit 1.</summary>
public sealed class VideoClientException(string message) : Exception(message);

/// <summary>Starts the system ffmpeg/ffprobe with redirected pipes; a missing program is a clear error.</summary>
public static class Ffmpeg
{
    public static string ProbePath(string ffmpeg)
    {
        var directory = Path.GetDirectoryName(ffmpeg);
        var name = OperatingSystem.IsWindows() ? "ffprobe.exe" : "ffprobe";
        return string.IsNullOrEmpty(directory) ? name : Path.Combine(directory, name);
    }

    public static Process Start(string program, IEnumerable<string> arguments, bool redirectInput)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = redirectInput, UseShellExecute = false,
        };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        try
        {
            return Process.Start(info) ?? throw new VideoClientException($"could not start {program}");
        }
        catch (Win32Exception)
        {
            throw new VideoClientException($"'{program}' was not found: the video client needs ffmpeg and ffprobe (Debian: apt-get install ffmpeg)");
        }
    }

    /// <summary>Runs a program to completion and returns its standard output; a non-zero exit is an error with its last error line.</summary>
    public static async Task<string> RunAsync(string program, IEnumerable<string> arguments, CancellationToken cancellation)
    {
        using var process = Start(program, arguments, redirectInput: false);
        var stdout = process.StandardOutput.ReadToEndAsync(cancellation);
        var stderr = process.StandardError.ReadToEndAsync(cancellation);
        await process.WaitForExitAsync(cancellation);
        if (process.ExitCode != 0) throw new VideoClientException($"{Path.GetFileName(program)} failed: {LastLine(await stderr)}");
        return await stdout;
    }

    /// <summary>Kills a still-running ffmpeg (an aborted run) and releases it.</summary>
    public static void Stop(Process process)
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
        process.Dispose();
    }

    public static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "(no message)";
}
