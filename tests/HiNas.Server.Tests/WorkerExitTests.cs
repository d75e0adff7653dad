using HiNas.Server.Jobs;

namespace HiNas.Server.Tests;

public sealed class WorkerExitTests
{
    [Theory]
    [InlineData(139, 11, "was killed by signal 11 (SIGSEGV)")]
    [InlineData(134, 6, "was killed by signal 6 (SIGABRT)")]
    [InlineData(137, 9, "was killed by signal 9 (SIGKILL)")]
    [InlineData(158, 30, "was killed by signal 30")]
    [InlineData(1, null, "exited with code 1")]
    [InlineData(128, null, "exited with code 128")]
    [InlineData(255, null, "exited with code 255")]
    public void AnExitCode_SaysHowTheWorkerEnded(int code, int? signal, string said)
    {
        var exit = new WorkerExit(code);
        Assert.Equal(signal, exit.Signal);
        Assert.Equal(said, exit.Describe());
    }
}
