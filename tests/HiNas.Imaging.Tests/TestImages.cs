using HiNas.Imaging.Pixels;

namespace HiNas.Imaging.Tests;

internal static class TestImages
{
    /// <summary>value(c, y, x) = f(c, y, x), on [0, 1].</summary>
    public static PlanarImage From(int channels, int height, int width, Func<int, int, int, double> f)
    {
        var image = new PlanarImage(channels, height, width);
        for (var c = 0; c < channels; c++)
            for (var y = 0; y < height; y++)
                for (var x = 0; x < width; x++)
                    image[c, y, x] = (float)f(c, y, x);
        return image;
    }

    public static PlanarImage Constant(int channels, int height, int width, double value) => From(channels, height, width, (_, _, _) => value);

    public static string TempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "hinas-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }
}
