using HiNas.Imaging.Pixels;

namespace HiNas.Imaging.Datasets;

/// <summary>The 8 flips/rotations of the square (the usual training augmentation).</summary>
public static class Dihedral
{
    public const int Count = 8;

    /// <summary>
    /// Mode 0 is the identity; bit 0 flips vertically, bit 1 flips horizontally, bit 2 transposes
    /// (applied in that order), which covers the 4 rotations and their mirror images.
    /// </summary>
    public static PlanarImage Apply(PlanarImage image, int mode)
    {
        if ((uint)mode >= Count) throw new ArgumentOutOfRangeException(nameof(mode), mode, "mode must be in [0, 8)");
        if (mode == 0) return image.Clone();
        var flipV = (mode & 1) != 0;
        var flipH = (mode & 2) != 0;
        var transpose = (mode & 4) != 0;
        var (h, w) = (image.Height, image.Width);
        var result = transpose ? new PlanarImage(image.Channels, w, h) : new PlanarImage(image.Channels, h, w);
        for (var c = 0; c < image.Channels; c++)
        {
            var src = image.Plane(c);
            var dst = result.Plane(c);
            for (var y = 0; y < h; y++)
            {
                var sy = flipV ? h - 1 - y : y;
                for (var x = 0; x < w; x++)
                {
                    var sx = flipH ? w - 1 - x : x;
                    var value = src[sy * w + sx];
                    if (transpose) dst[x * h + y] = value;
                    else dst[y * w + x] = value;
                }
            }
        }
        return result;
    }
}
