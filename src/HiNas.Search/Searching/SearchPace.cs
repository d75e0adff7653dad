namespace HiNas.Search.Searching;

/// <summary>
/// How long a search has left: a single-path step costs a fraction of a mixture step (weights of one drawn network,
/// no α/β step), so each kind's remaining steps go at its own measured pace, validations and checkpoints included; a
/// kind not yet run here goes at the other's.
/// </summary>
public sealed class SearchPace
{
    private readonly long _mixtureSteps;
    private readonly long _totalSteps;
    private readonly double[] _seconds = new double[2];
    private readonly long[] _steps = new long[2];
    private double _mark;

    /// <param name="mixtureSteps">the search's steps that train the mixture (all of them but a single-path search's after its warm-up)</param>
    /// <param name="totalSteps">the search's steps</param>
    /// <param name="start">the clock (s) when this run started</param>
    public SearchPace(long mixtureSteps, long totalSteps, double start = 0)
    {
        if (mixtureSteps < 0 || mixtureSteps > totalSteps) throw new ArgumentOutOfRangeException(nameof(mixtureSteps), mixtureSteps, $"must be in [0, {totalSteps}]");
        (_mixtureSteps, _totalSteps, _mark) = (mixtureSteps, totalSteps, start);
    }

    /// <summary>A step of the kind ended at <paramref name="now"/> (s): everything since the last one is its cost.</summary>
    public void Stepped(bool singlePath, double now)
    {
        var kind = singlePath ? 1 : 0;
        _seconds[kind] += now - _mark;
        _steps[kind]++;
        _mark = now;
    }

    /// <summary>Seconds left after <paramref name="done"/> of the search's steps; 0 before a step was timed.</summary>
    public double SecondsLeft(long done)
    {
        var mixtureLeft = Math.Max(0, _mixtureSteps - done);
        return mixtureLeft * Pace(0) + Math.Max(0, _totalSteps - done - mixtureLeft) * Pace(1);
    }

    private double Pace(int kind) =>
        _steps[kind] > 0 ? _seconds[kind] / _steps[kind] : _steps[1 - kind] > 0 ? _seconds[1 - kind] / _steps[1 - kind] : 0;
}
