namespace HiNas.Nas.Runs;

/// <summary>How far a search or training run has come, for progress bars and job progress.</summary>
public static class RunProgress
{
    /// <summary>
    /// The share of the run done: by time once the run knows its time left (a search's steps differ in cost — a
    /// mixture step costs many single-path steps, <see cref="Settings.SearchOptions.SinglePathStepsPerEpoch"/>), else by steps.
    /// </summary>
    public static double Fraction(double elapsedSeconds, double etaSeconds, long done, long total)
    {
        if (etaSeconds > 0 && elapsedSeconds >= 0) return elapsedSeconds / (elapsedSeconds + etaSeconds);
        return total > 0 ? Math.Clamp((double)done / total, 0, 1) : 0;
    }
}
