using HiNas.Search.Searching;

namespace HiNas.Search.Tests.Searching;

/// <summary>A search's time left: mixture and single-path steps each at their own pace.</summary>
public sealed class SearchPaceTests
{
    [Fact]
    public void EachKindOfStep_GoesAtItsOwnPace_AndAKindNotYetRun_AtTheOthersScaled()
    {
        // 10 mixture steps (warm-up), then 100 single-path steps
        var pace = new SearchPace(mixtureSteps: 10, totalSteps: 110, start: 5);
        Assert.Equal(0, pace.SecondsLeft(0));
        pace.Stepped(singlePath: false, now: 7); // 2 s a mixture step
        pace.Stepped(singlePath: false, now: 9);
        // single-path steps not timed yet: at the mixture's pace times the share
        Assert.Equal(8 * 2.0 + 100 * 2.0 * SearchPace.SinglePathShare, pace.SecondsLeft(2), 9);
        for (var s = 3; s <= 10; s++) pace.Stepped(false, 9 + 2 * (s - 2));
        pace.EpochEnded(singlePath: false, now: 27); // the warm-up's last validation: 2 s more on its 10 steps
        Assert.Equal(100 * 2.2 * SearchPace.SinglePathShare, pace.SecondsLeft(10), 9);
        pace.Stepped(singlePath: true, now: 27.5); // 0.5 s
        pace.Stepped(singlePath: true, now: 27.6); // 0.1 s: 0.3 s on average
        Assert.Equal(98 * 0.3, pace.SecondsLeft(12), 9);
        Assert.Equal(0, pace.SecondsLeft(110));
    }

    [Fact]
    public void AMixtureSearch_GoesAtTheMixturesPace()
    {
        var pace = new SearchPace(mixtureSteps: 4, totalSteps: 4);
        pace.Stepped(false, 3);
        Assert.Equal(9, pace.SecondsLeft(1), 9);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SearchPace(5, 4));
    }
}
