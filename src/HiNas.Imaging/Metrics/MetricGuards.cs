using HiNas.Imaging.Pixels;

namespace HiNas.Imaging.Metrics;

internal static class MetricGuards
{
    public static void CheckSameShape(PlanarImage reference, PlanarImage test)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(test);
        if (!reference.SameShape(test))
            throw new ArgumentException($"images differ in shape: reference {reference.ShapeText} (channels×height×width), test {test.ShapeText}");
    }
}
