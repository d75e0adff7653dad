namespace HiNas.Search.Searching;

/// <summary>
/// How long a search has left: a single-path step costs a fraction of a mixture step (the weights of one drawn network,
/// no α/β step), so each kind's remaining steps go at its own measured pace, each epoch's validation and checkpoint
/// included; a kind not yet run here goes at the other's, scaled by <see cref="SinglePathShare"/>.
/// </summary>
public sealed class SearchPace
{
    private readonly long _mixtureSteps;
    private readonly long _totalSteps;
    private readonly double[] _seconds = new double[2];
    private readonly long[] _steps = new long[2];
    private double _mark;

    /// <summary>
    /// A single-path step's cost against a mixture step's before either is timed here, measured on the frame-time space
    /// (σ 25 RGB, L3 B3 F16): ~0.1 s against ~1.8 s, validations included.
    /// </summary>
    public const double SinglePathShare = 1.0 / 18;

    /// <param name="mixtureSteps">the search's steps that train the mixture (all of them but a single-path search's after its warm-up)</param>
    /// <param name="totalSteps">the search's steps</param>
    /// <param name="start">the clock (s) when this run started</param>
    public SearchPace(long mixtureSteps, long totalSteps, double start = 0)
    {
        if (mixtureSteps < 0 || mixtureSteps > totalSteps) throw new ArgumentOutOfRangeException(nameof(mixtureSteps), mixtureSteps, $"must be in [0, {totalSteps}]");
        (_mixtureSteps, _totalSteps, _mark) = (mixtureSteps, totalSteps, start);
    }

    /// <summary>A step of the kind ended at <paramref name="now"/> (s): everything since the last mark is its cost.</summary>
    public void Stepped(bool singlePath, double now)
    {
        Charge(singlePath, now);
        _steps[singlePath ? 1 : 0]++;
    }

    /// <summary>An epoch of the kind finished its validation and checkpoint at <paramref name="now"/> (s): their time is its steps' cost.</summary>
    public void EpochEnded(bool singlePath, double now) => Charge(singlePath, now);

    private void Charge(bool singlePath, double now)
    {
        _seconds[singlePath ? 1 : 0] += now - _mark;
        _mark = now;
    }

    /// <summary>Seconds left after <paramref name="done"/> of the search's steps; 0 before a step was timed.</summary>
    public double SecondsLeft(long done)
    {
        var mixtureLeft = Math.Max(0, _mixtureSteps - done);
        return mixtureLeft * Pace(0) + Math.Max(0, _totalSteps - done - mixtureLeft) * Pace(1);
    }

    private double Pace(int kind)
    {
        if (_steps[kind] > 0) return _seconds[kind] / _steps[kind];
        if (_steps[1 - kind] == 0) return 0;
        var other = _seconds[1 - kind] / _steps[1 - kind];
        return kind == 1 ? other * SinglePathShare : other / SinglePathShare;
    }
}
