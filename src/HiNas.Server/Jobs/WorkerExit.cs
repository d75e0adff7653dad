namespace HiNas.Server.Jobs;

/// <summary>
/// How a worker ended, read from its exit code: on Unix a process killed by signal N reports 128 + N. A native fault
/// (SIGSEGV, SIGBUS, SIGABRT, SIGILL, SIGFPE from inside libtorch or ONNX Runtime) or the kernel's out-of-memory
/// killer (SIGKILL) leaves no result, and the stage may well succeed run again (<see cref="IsRestartable"/>); an
/// interrupt or a stop (SIGINT, SIGTERM: a person, the service manager stopping the server and its workers) is not one
/// to repeat — and 130 is also a worker's own exit code when it was cancelled.
/// </summary>
public readonly record struct WorkerExit(int Code)
{
    private static readonly Dictionary<int, string> SignalNames = new()
    {
        [2] = "SIGINT", [4] = "SIGILL", [6] = "SIGABRT", [7] = "SIGBUS", [8] = "SIGFPE", [9] = "SIGKILL", [11] = "SIGSEGV", [15] = "SIGTERM",
    };

    private static readonly HashSet<int> RestartableSignals = [4, 6, 7, 8, 9, 11];

    /// <summary>A fault or an out-of-memory kill: the stage is worth one more run.</summary>
    public bool IsRestartable => Signal is { } s && RestartableSignals.Contains(s);

    /// <summary>The signal that ended the worker, or null when it exited by itself.</summary>
    public int? Signal => !OperatingSystem.IsWindows() && Code is > 128 and < 160 ? Code - 128 : null;

    /// <summary>"exited with code 3" or "was killed by signal 11 (SIGSEGV)".</summary>
    public string Describe() => Signal is { } s
        ? $"was killed by signal {s}{(SignalNames.TryGetValue(s, out var name) ? $" ({name})" : "")}"
        : $"exited with code {Code}";
}
