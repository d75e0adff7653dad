using System.Runtime.InteropServices;
using HiNas.Nas.Workers;

namespace HiNas.Pipelines;

/// <summary>
/// Ends a worker whose parent is gone (a server killed without stopping it), so that no orphan keeps writing into a job
/// folder or holding the machine: the parent names itself in <see cref="WorkerParent.Variable"/>, and a background
/// thread checks every second that a process with that id and start time still exists. The stage's checkpoints make
/// the exit safe; the resumed job continues from them.
/// </summary>
public static partial class ParentWatchdog
{
    public const int ExitCode = 3;

    /// <summary>Starts watching when the variable is set; <paramref name="onGone"/> runs once the parent is gone (default: exit with <see cref="ExitCode"/>).</summary>
    public static void StartFromEnvironment(Action<string>? log = null, Action? onGone = null)
    {
        if (Environment.GetEnvironmentVariable(WorkerParent.Variable) is not { Length: > 0 } value) return;
        var (pid, started) = WorkerParent.Parse(value);
        var thread = new Thread(() =>
        {
            while (WorkerParent.IsAlive(pid, started)) Thread.Sleep(1000);
            log?.Invoke($"the parent process {pid} is gone: stopping this worker (its checkpoints let the job resume)");
            (onGone ?? ExitNow)();
        }) { IsBackground = true, Name = "parent watchdog" };
        thread.Start();
    }

    /// <summary>
    /// Exits at once. Environment.Exit would run libtorch's static destructors while its threads still compute, which
    /// crashes the process (SIGSEGV); on Linux the C library's _exit skips them (the checkpoints on disk are complete).
    /// </summary>
    private static void ExitNow()
    {
        Console.Out.Flush();
        if (OperatingSystem.IsLinux()) ImmediateExit(ExitCode);
        Environment.Exit(ExitCode);
    }

    [LibraryImport("libc", EntryPoint = "_exit")]
    private static partial void ImmediateExit(int status);
}
