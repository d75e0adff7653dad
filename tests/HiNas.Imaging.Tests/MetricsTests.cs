using HiNas.Imaging.Degradations;
using HiNas.Imaging.Metrics;
using HiNas.Imaging.Pixels;

namespace HiNas.Imaging.Tests;

public class MetricsTests
{
    private static PlanarImage Textured(int channels = 1) =>
        TestImages.From(channels, 40, 48, (c, y, x) => 0.2 + 0.5 * ((x * 7 + y * 13 + c * 5) % 17) / 17.0);

    [Theory]
    [InlineData(1.0)]
    [InlineData(3.0)]
    [InlineData(10.0)]
    public void PsnrOfConstantOffsetIs20Log10Of255OverD(double d)
    {
        var reference = Textured(3);
        var test = reference.Clone();
        for (var i = 0; i < test.Data.Length; i++) test.Data[i] += (float)(d / 255.0);

        var psnr = Psnr.Compute(reference, test);

        Assert.Equal(20 * Math.Log10(255 / d), psnr, 3);
    }

    [Fact]
    public void PsnrOfIdenticalImagesIsInfinite()
    {
        var image = Textured();
        Assert.Equal(double.PositiveInfinity, Psnr.Compute(image, image.Clone()));
        Assert.Equal(double.PositiveInfinity, QualityMetrics.Measure(image, image.Clone()).Psnr);
    }

    [Fact]
    public void MismatchedShapesAreAnError()
    {
        var a = Textured(1);
        var b = TestImages.Constant(1, 40, 47, 0.5);
        var c = Textured(3);
        Assert.Contains("differ in shape", Assert.Throws<ArgumentException>(() => Psnr.Compute(a, b)).Message);
        Assert.Throws<ArgumentException>(() => Ssim.Compute(a, c));
        Assert.Throws<ArgumentException>(() => QualityMetrics.Measure(a, b));
    }

    [Fact]
    public void SsimOfIdenticalImagesIsOneAndDropsForNoise()
    {
        var image = Textured(3);
        Assert.Equal(1.0, Ssim.Compute(image, image.Clone()), 12);

        var light = Ssim.Compute(image, GaussianNoise.Apply(image, 5, seed: 1));
        var heavy = Ssim.Compute(image, GaussianNoise.Apply(image, 50, seed: 1));
        Assert.InRange(light, 0.3, 0.999);
        Assert.True(heavy < light - 0.1, $"SSIM should fall with more noise: σ5 {light}, σ50 {heavy}");
    }

    /// <summary>
    /// For constant images a and b every window has zero variance and covariance, so
    /// SSIM = (2ab + C1) / (a² + b² + C1) with C1 = (0.01·255)² = 6.5025.
    /// </summary>
    [Fact]
    public void SsimOfConstantImagesMatchesTheFormula()
    {
        var a = TestImages.Constant(1, 16, 16, 100 / 255.0);
        var b = TestImages.Constant(1, 16, 16, 120 / 255.0);
        var expected = (2 * 100.0 * 120 + 6.5025) / (100.0 * 100 + 120.0 * 120 + 6.5025);
        Assert.Equal(expected, Ssim.Compute(a, b), 5);
    }

    [Fact]
    public void SsimNeedsAnElevenPixelWindow()
    {
        var small = TestImages.Constant(1, 10, 30, 0.5);
        Assert.Contains("11×11", Assert.Throws<ArgumentException>(() => Ssim.Compute(small, small)).Message);
    }

    [Fact]
    public void YChannelUsesBt601StudioRange()
    {
        var rgb = TestImages.From(3, 1, 4, (c, _, x) => x switch
        {
            0 => 0.0,                       // black → 16
            1 => 1.0,                       // white → 235
            2 => c == 0 ? 1.0 : 0.0,        // red → 16 + 65.481
            _ => c == 1 ? 1.0 : 0.0,        // green → 16 + 128.553
        });
        var y = ColorConversion.RgbToY255(rgb);
        Assert.Equal(16.0, y[0, 0, 0], 4);
        Assert.Equal(235.0, y[0, 0, 1], 3);
        Assert.Equal(81.481, y[0, 0, 2], 3);
        Assert.Equal(144.553, y[0, 0, 3], 3);
    }

    [Fact]
    public void YChannelPsnrScalesTheOffsetByTheLumaGain()
    {
        // An offset of d on every RGB channel moves Y by d·219/255.
        var reference = Textured(3);
        var test = reference.Clone();
        for (var i = 0; i < test.Data.Length; i++) test.Data[i] += 4 / 255f;
        var score = QualityMetrics.Measure(reference, test, yChannel: true);
        Assert.Equal(20 * Math.Log10(255 / (4 * 219.0 / 255)), score.Psnr, 3);
    }

    [Fact]
    public void ShaveIgnoresTheBorder()
    {
        var reference = Textured(1);
        var test = reference.Clone();
        for (var x = 0; x < test.Width; x++) test[0, 0, x] = 1f; // damage only the first row
        Assert.True(double.IsFinite(QualityMetrics.Measure(reference, test).Psnr));
        Assert.Equal(double.PositiveInfinity, QualityMetrics.Measure(reference, test, shave: 1).Psnr);
        Assert.Throws<ArgumentOutOfRangeException>(() => QualityMetrics.Measure(reference, test, shave: 20));
        Assert.Throws<ArgumentOutOfRangeException>(() => QualityMetrics.Measure(reference, test, shave: -1));
    }

    [Fact]
    public void ACentreCropKeepsTheMiddle_AndASmallImageWhole()
    {
        var image = new PlanarImage(3, 7, 10);
        for (var c = 0; c < 3; c++)
            for (var y = 0; y < 7; y++)
                for (var x = 0; x < 10; x++) image[c, y, x] = c * 100 + y * 10 + x;
        var crop = image.CentreCrop(4);
        Assert.Equal((3, 4, 4), (crop.Channels, crop.Height, crop.Width));
        Assert.Equal(1 * 10 + 3, crop[0, 0, 0]);   // rows 1..4, columns 3..6
        Assert.Equal(100 + 4 * 10 + 6, crop[1, 3, 3]);
        var tall = image.CentreCrop(8);            // wider than 8, not taller
        Assert.Equal((7, 8), (tall.Height, tall.Width));
        Assert.Same(image, image.CentreCrop(10));
        Assert.Throws<ArgumentOutOfRangeException>(() => image.CentreCrop(0));
    }
}
