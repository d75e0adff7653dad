namespace HiNas.Server.Jobs;

/// <summary>
/// How a worker ended, read from its exit code: on Unix a process killed by signal N reports 128 + N — a native
/// fault (SIGSEGV, SIGBUS, SIGABRT from inside libtorch or ONNX Runtime) or a kill from outside (SIGKILL from the
/// kernel's out-of-memory killer). Either way the worker wrote no result and the stage may well succeed run again.
/// </summary>
public readonly record struct WorkerExit(int Code)
{
    private static readonly Dictionary<int, string> SignalNames = new()
    {
        [2] = "SIGINT", [4] = "SIGILL", [6] = "SIGABRT", [7] = "SIGBUS", [8] = "SIGFPE", [9] = "SIGKILL", [11] = "SIGSEGV", [15] = "SIGTERM",
    };

    /// <summary>The signal that ended the worker, or null when it exited by itself.</summary>
    public int? Signal => !OperatingSystem.IsWindows() && Code is > 128 and < 160 ? Code - 128 : null;

    /// <summary>"exited with code 3" or "was killed by signal 11 (SIGSEGV)".</summary>
    public string Describe() => Signal is { } s
        ? $"was killed by signal {s}{(SignalNames.TryGetValue(s, out var name) ? $" ({name})" : "")}"
        : $"exited with code {Code}";
}
