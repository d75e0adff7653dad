using HiNas.Nas.Runs;

namespace HiNas.Nas.Tests;

public sealed class RunProgressTests
{
    [Fact]
    public void TheShareDone_IsByTimeOnceTheTimeLeftIsKnown_ElseBySteps()
    {
        // a search 900 mixture steps into 12,900: 7 % of the steps, 75 % of the time
        Assert.Equal(0.75, RunProgress.Fraction(elapsedSeconds: 1800, etaSeconds: 600, done: 900, total: 12_900), 9);
        Assert.Equal(0.25, RunProgress.Fraction(0, 0, 1, 4), 9); // nothing timed yet
        Assert.Equal(1, RunProgress.Fraction(3000, 0, 12_900, 12_900), 9); // completed
        Assert.Equal(0, RunProgress.Fraction(0, 0, 0, 0));
    }
}
