using HiNas.Server.Jobs;

namespace HiNas.Server.Tests;

public sealed class WorkerExitTests
{
    [Theory]
    [InlineData(139, 11, true, "was killed by signal 11 (SIGSEGV)")]
    [InlineData(134, 6, true, "was killed by signal 6 (SIGABRT)")]
    [InlineData(137, 9, true, "was killed by signal 9 (SIGKILL)")] // the out-of-memory killer
    [InlineData(130, 2, false, "was killed by signal 2 (SIGINT)")] // or the worker's own exit code when cancelled
    [InlineData(143, 15, false, "was killed by signal 15 (SIGTERM)")] // the service manager stopping everything
    [InlineData(158, 30, false, "was killed by signal 30")]
    [InlineData(1, null, false, "exited with code 1")]
    [InlineData(128, null, false, "exited with code 128")]
    [InlineData(255, null, false, "exited with code 255")]
    public void AnExitCode_SaysHowTheWorkerEnded_AndWhetherAnotherRunIsWorthIt(int code, int? signal, bool restartable, string said)
    {
        var exit = new WorkerExit(code);
        Assert.Equal(signal, exit.Signal);
        Assert.Equal(restartable, exit.IsRestartable);
        Assert.Equal(said, exit.Describe());
    }
}
