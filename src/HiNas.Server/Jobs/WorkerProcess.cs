using System.Diagnostics;
using System.Runtime.InteropServices;
using HiNas.Nas.Workers;

namespace HiNas.Server.Jobs;

/// <summary>
/// One `hinas run` worker as a child process (TorchSharp and libtorch live there, not in the server). Its output goes
/// to the job's worker.log for people; the outcome is its result.json (<see cref="Stages.StageWorker"/>). Killing it
/// stops the stage at once: the stage's checkpoints make that safe.
/// </summary>
public sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly object _gate = new();
    private readonly Queue<string> _lastLines = new();
    private bool _disposed;

    /// <summary>How many of the worker's last output lines are kept for a failure's message.</summary>
    public const int KeptLines = 3;

    private WorkerProcess(Process process, StreamWriter log)
    {
        _process = process;
        _log = log;
    }

    public int Pid => _process.Id;

    /// <summary>This server as its workers know it (<see cref="WorkerParent"/>).</summary>
    private static readonly string ParentOfWorkers = WorkerParent.Of(Process.GetCurrentProcess());

    public static WorkerProcess Start(string workerPath, IEnumerable<string> arguments, string logPath, IReadOnlyDictionary<string, string>? environment = null)
    {
        if (!File.Exists(workerPath)) throw new FileNotFoundException($"the job worker '{workerPath}' does not exist (HiNas:Jobs:WorkerPath)", workerPath);
        var info = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(logPath)!,
        };
        info.Environment[WorkerParent.Variable] = ParentOfWorkers; // the worker ends when this server is gone
        if (environment is not null)
            foreach (var (name, value) in environment) info.Environment[name] = value;
        info.ArgumentList.Add(workerPath);
        foreach (var a in arguments) info.ArgumentList.Add(a);
        var log = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
        log.WriteLine($"# {DateTimeOffset.UtcNow:O} {string.Join(' ', info.ArgumentList)}");
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var worker = new WorkerProcess(process, log);
        process.OutputDataReceived += (_, e) => worker.Log(e.Data);
        process.ErrorDataReceived += (_, e) => worker.Log(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    /// <summary>One output line into worker.log; a failed write (a full disk) loses the line, never the server.</summary>
    private void Log(string? line)
    {
        if (line is null) return;
        lock (_gate)
        {
            if (!string.IsNullOrWhiteSpace(line))
            {
                if (_lastLines.Count == KeptLines) _lastLines.Dequeue();
                _lastLines.Enqueue(line.Length > 300 ? line[..300] + "…" : line);
            }
            if (_disposed) return;
            try
            {
                _log.WriteLine(line);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
            {
                // the job learns its outcome from result.json; the log is for people
            }
        }
    }

    /// <summary>The worker's last non-empty output lines (at most <see cref="KeptLines"/>), oldest first.</summary>
    public IReadOnlyList<string> LastLines
    {
        get
        {
            lock (_gate) return _lastLines.ToArray();
        }
    }

    /// <summary>Waits for the exit code; kills the process (and its children) when <paramref name="cancellation"/> fires.</summary>
    public async Task<int> WaitAsync(CancellationToken cancellation)
    {
        try
        {
            await _process.WaitForExitAsync(cancellation);
        }
        catch (OperationCanceledException)
        {
            Kill();
            await _process.WaitForExitAsync(CancellationToken.None);
            throw;
        }
        _process.WaitForExit(); // flushes the redirected output
        return _process.ExitCode;
    }

    public void Kill()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }

    /// <summary>Stops a worker left running by a server that did not stop it (it would write into the folder the resumed job uses).</summary>
    public static void StopOrphan(int pid, string jobFolder)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            var cmdline = OperatingSystem.IsLinux() ? File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ') : "";
            if (cmdline.Contains(jobFolder, StringComparison.Ordinal))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
        {
            // no such process, or not ours
        }
    }

    /// <summary>The dotnet host that runs this process (the worker is a framework-dependent hinas.dll).</summary>
    private static string DotnetHost()
    {
        var name = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
        if (Environment.ProcessPath is { } self && Path.GetFileName(self) == name) return self;
        // RuntimeEnvironment: …/shared/Microsoft.NETCore.App/<version>/ → …/dotnet
        var runtime = RuntimeEnvironment.GetRuntimeDirectory();
        var candidate = Path.GetFullPath(Path.Combine(runtime, "..", "..", "..", name));
        if (File.Exists(candidate)) return candidate;
        return Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? name;
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
        lock (_gate)
        {
            _disposed = true;
            try
            {
                _log.Dispose();
            }
            catch (IOException)
            {
                // a full disk: the last lines of the log are lost
            }
        }
    }
}
