namespace HiNas.Imaging.Pixels;

/// <summary>Colour conversions by the field's conventions.</summary>
public static class ColorConversion
{
    /// <summary>
    /// Luma Y of BT.601 studio range on the [0, 255] scale from RGB in [0, 1]:
    /// Y = 16 + 65.481·R + 128.553·G + 24.966·B (MATLAB's rgb2ycbcr, without its rounding to uint8).
    /// Returns a one-channel image whose samples are on the [0, 255] scale.
    /// </summary>
    public static PlanarImage RgbToY255(PlanarImage rgb)
    {
        if (rgb.Channels != 3) throw new ArgumentException($"RGB→Y needs a 3-channel image, got {rgb.ShapeText}", nameof(rgb));
        var y = new PlanarImage(1, rgb.Height, rgb.Width);
        var r = rgb.Plane(0);
        var g = rgb.Plane(1);
        var b = rgb.Plane(2);
        var output = y.Data;
        for (var i = 0; i < output.Length; i++)
            output[i] = (float)(16.0 + 65.481 * r[i] + 128.553 * g[i] + 24.966 * b[i]);
        return y;
    }

    /// <summary>Gray from RGB with the BT.601 luma weights on full range (0.299, 0.587, 0.114), as PIL and OpenCV do.</summary>
    public static PlanarImage RgbToGray(PlanarImage rgb)
    {
        if (rgb.Channels != 3) throw new ArgumentException($"RGB→gray needs a 3-channel image, got {rgb.ShapeText}", nameof(rgb));
        var gray = new PlanarImage(1, rgb.Height, rgb.Width);
        var r = rgb.Plane(0);
        var g = rgb.Plane(1);
        var b = rgb.Plane(2);
        for (var i = 0; i < gray.Data.Length; i++)
            gray.Data[i] = (float)(0.299 * r[i] + 0.587 * g[i] + 0.114 * b[i]);
        return gray;
    }

    /// <summary>Three identical channels from a gray image.</summary>
    public static PlanarImage GrayToRgb(PlanarImage gray)
    {
        if (gray.Channels != 1) throw new ArgumentException($"gray→RGB needs a 1-channel image, got {gray.ShapeText}", nameof(gray));
        var rgb = new PlanarImage(3, gray.Height, gray.Width);
        for (var c = 0; c < 3; c++) gray.Data.AsSpan().CopyTo(rgb.Plane(c));
        return rgb;
    }

    /// <summary>Converts to the wanted channel count (1 or 3); returns the same instance when it already matches.</summary>
    public static PlanarImage ToChannels(PlanarImage image, int channels) => (image.Channels, channels) switch
    {
        (1, 1) or (3, 3) => image,
        (3, 1) => RgbToGray(image),
        (1, 3) => GrayToRgb(image),
        _ => throw new ArgumentOutOfRangeException(nameof(channels), channels, "channels must be 1 or 3"),
    };
}
