using HiNas.Search.Runtime;

namespace HiNas.Search.Tests.Runtime;

/// <summary>The oneDNN decision with the self-check's outcome given: the ladder of instruction-set caps, its memory, the overrides.</summary>
public sealed class OneDnnPolicyTests : IDisposable
{
    private static readonly OneDnnCheckResult Good = new(2e-7, 3e-7, 5e-7, "10→10 5×5", 150);
    private static readonly OneDnnCheckResult Wrong = new(4e-7, double.PositiveInfinity, 3e-6, "10→10 3×3", 300);

    private readonly string _memory = Path.Combine(Path.GetTempPath(), $"hinas-onednn-{Guid.NewGuid():N}", "failures.json");
    private readonly List<string> _caps = new();
    private readonly List<ActivationLayout> _layouts = new();
    private readonly List<bool> _switches = new();
    private int _checks;

    public void Dispose()
    {
        if (Directory.Exists(Path.GetDirectoryName(_memory))) Directory.Delete(Path.GetDirectoryName(_memory)!, recursive: true);
    }

    private OneDnnDecision Decide(string mode, OneDnnCheckResult result, string? userCap = null) =>
        OneDnnPolicy.Decide(mode, userCap, _memory, _caps.Add, _switches.Add, layout => { _checks++; _layouts.Add(layout); return result; });

    [Fact]
    public void Auto_KeepsAOneDnnWhoseGradientsMatch_AtTheFullInstructionSet_WithChannelsLastActivations()
    {
        var decision = Decide("auto", Good);
        Assert.True(decision.Enabled);
        Assert.Null(decision.IsaCap);
        Assert.Equal(ActivationLayout.ChannelsLast, decision.Layout);
        Assert.Equal(new[] { ActivationLayout.ChannelsLast }, _layouts); // checked in the layout it is kept in
        Assert.Contains("on, ChannelsLast activations", decision.ToString());
        Assert.Empty(_caps);
        Assert.Equal(new[] { true }, _switches);
        Assert.False(File.Exists(_memory));
    }

    [Fact]
    public void Auto_SwitchesAWrongOneDnnOff_AndTheNextStartsTriesTheNextRung_UntilNoneIsLeft()
    {
        var first = Decide("auto", Wrong);
        Assert.False(first.Enabled);
        Assert.Equal(ActivationLayout.Contiguous, first.Layout);
        Assert.Equal(new[] { true, false }, _switches);
        Assert.Contains("the next start tries oneDNN at SSE41, Contiguous", first.ToString());
        Assert.Contains("Infinity (input gradient)", first.ToString());

        _switches.Clear();
        var second = Decide("auto", Good);
        Assert.True(second.Enabled);
        Assert.Equal("SSE41", second.IsaCap);
        Assert.Equal(ActivationLayout.Contiguous, second.Layout); // SSE4.1 convolves plain NCHW through GEMM
        Assert.Equal(ActivationLayout.Contiguous, _layouts[^1]);
        Assert.Equal(new[] { "SSE41" }, _caps);

        var third = Decide("auto", Wrong);
        Assert.False(third.Enabled);
        Assert.Contains("no rung left", third.Reason);

        _switches.Clear();
        var checksBefore = _checks;
        var fourth = Decide("auto", Good);
        Assert.False(fourth.Enabled);
        Assert.Equal(checksBefore, _checks); // nothing left to try: no check, oneDNN stays off
        Assert.Equal(new[] { false }, _switches);
    }

    [Fact]
    public void AFailureRememberedForTheOldNchwRung_DoesNotSkipTheChannelsLastOne()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_memory)!);
        Decide("auto", Wrong); // writes this machine's key
        var remembered = File.ReadAllText(_memory);
        Assert.Contains(OneDnnPolicy.RungName(null), remembered);
        File.WriteAllText(_memory, remembered.Replace(OneDnnPolicy.RungName(null), "full")); // what the NCHW-only ladder wrote
        var decision = Decide("auto", Good);
        Assert.Null(decision.IsaCap);
        Assert.Equal(ActivationLayout.ChannelsLast, decision.Layout);
    }

    [Fact]
    public void AUsersCap_IsUsedAsGiven_WithoutTheLadder()
    {
        var decision = Decide("auto", Wrong, userCap: "AVX2");
        Assert.False(decision.Enabled);
        Assert.Equal("AVX2", decision.IsaCap);
        Assert.Empty(_caps);
        Assert.False(File.Exists(_memory));
    }

    [Fact]
    public void Off_SwitchesItOffWithoutACheck_On_KeepsItOnAndSaysTheGradientsAreWrong()
    {
        var off = Decide("off", Good);
        Assert.False(off.Enabled);
        Assert.Equal(0, _checks);

        var on = Decide("on", Wrong);
        Assert.True(on.Enabled);
        Assert.Contains("WRONG", on.Reason);
        Assert.False(File.Exists(_memory));
    }

    [Fact]
    public void AnUnknownMode_IsAClearError()
    {
        var error = Assert.Throws<InvalidOperationException>(() => OneDnnPolicy.ParseMode("maybe"));
        Assert.Contains("HINAS_ONEDNN must be auto, on or off, got 'maybe'", error.Message);
        Assert.Equal("auto", OneDnnPolicy.ParseMode(null));
        Assert.Equal("off", OneDnnPolicy.ParseMode(" OFF "));
    }
}
