namespace HiNas.Nas.Settings;

/// <summary>
/// The learning-rate curves of training, search and int8 tuning, as functions of progress p ∈ [0, 1] through the run
/// (each caller says what p is: an iteration, an epoch or a tuning step over the run's length).
/// </summary>
public static class LearningRateSchedules
{
    /// <summary>Cosine annealing: <paramref name="max"/> at p = 0, falling to <paramref name="min"/> at p = 1.</summary>
    public static double Cosine(double max, double min, double progress) => min + 0.5 * (max - min) * (1 + Math.Cos(Math.PI * progress));

    /// <summary>Polynomial decay with power 0.9: <paramref name="max"/> at p = 0, <paramref name="min"/> at p = 1.</summary>
    public static double Poly(double max, double min, double progress) => min + (max - min) * Math.Pow(1 - progress, 0.9);
}
