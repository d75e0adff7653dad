using HiNas.Imaging.Degradations;

namespace HiNas.Imaging.Tests;

public class MatlabBicubicTests
{
    // Keys' cubic (a = −0.5) at the distances that occur below, worked out by hand:
    //   cubic(0.25) = 1.5·0.015625 − 2.5·0.0625 + 1              = 0.8671875
    //   cubic(0.75) = 1.5·0.421875 − 2.5·0.5625 + 1              = 0.2265625
    //   cubic(1.25) = −0.5·1.953125 + 2.5·1.5625 − 4·1.25 + 2    = −0.0703125
    //   cubic(1.75) = −0.5·5.359375 + 2.5·3.0625 − 4·1.75 + 2    = −0.0234375
    [Theory]
    [InlineData(0.25, 0.8671875)]
    [InlineData(0.75, 0.2265625)]
    [InlineData(1.25, -0.0703125)]
    [InlineData(1.75, -0.0234375)]
    [InlineData(2.5, 0.0)]
    [InlineData(0.0, 1.0)]
    [InlineData(1.0, 0.0)]
    public void CubicKernelHasKeysValues(double x, double expected)
    {
        Assert.Equal(expected, MatlabBicubic.Cubic(x), 12);
        Assert.Equal(expected, MatlabBicubic.Cubic(-x), 12);
    }

    /// <summary>
    /// 8-sample ramp v[i] = i (0-based) ×2 down. Output 1 (1-based) sits at u = 1·2 + ½(1 − 2) = 1.5; the
    /// antialiased kernel is ½·cubic(½·d) over 10 taps at 1-based indices −3..6, i.e. distances 4.5..−4.5:
    /// weights 0, −0.01171875, −0.03515625, 0.11328125, 0.43359375, 0.43359375, 0.11328125, −0.03515625,
    /// −0.01171875, 0 (sum 1). Symmetric borders map indices −3, −2, −1, 0 to 4, 3, 2, 1.
    /// Output 3 sits at u = 5.5 with the same weights over indices 1..10, where 9, 10 map to 8, 7.
    /// </summary>
    [Fact]
    public void RampDownscaleByTwoMatchesHandDerivedWeights()
    {
        double[] w = { 0, -0.01171875, -0.03515625, 0.11328125, 0.43359375, 0.43359375, 0.11328125, -0.03515625, -0.01171875, 0 };
        int[] first = { 4, 3, 2, 1, 1, 2, 3, 4, 5, 6 };   // 1-based sources for u = 1.5
        int[] third = { 1, 2, 3, 4, 5, 6, 7, 8, 8, 7 };   // 1-based sources for u = 5.5
        double Expected(int[] sources) => sources.Select((s, k) => w[k] * (s - 1) / 10.0).Sum();

        var ramp = TestImages.From(1, 8, 8, (_, _, x) => x / 10.0);
        var down = MatlabBicubic.Downscale(ramp, 2);

        Assert.Equal(4, down.Height);
        Assert.Equal(4, down.Width);
        for (var y = 0; y < 4; y++)
        {
            Assert.Equal(Expected(first), down[0, y, 0], 6);
            Assert.Equal(Expected(third), down[0, y, 2], 6);
        }
        // Evaluated by hand: first = 0.44921875/10, third = 4.51171875/10 (a pure ramp would give 4.5/10 there;
        // the mirrored right border pulls it off).
        Assert.Equal(0.044921875, Expected(first), 12);
        Assert.Equal(0.451171875, Expected(third), 12);
    }

    /// <summary>
    /// The same ramp ×2 up: output 1 sits at u = 1/2 + ½(1 − ½) = 0.75, plain cubic over 6 taps at 1-based
    /// −2..3 (distances 2.75, 1.75, 0.75, −0.25, −1.25, −2.25): weights 0, −0.0234375, 0.2265625, 0.8671875,
    /// −0.0703125, 0; indices −2, −1, 0 map to 3, 2, 1. Output 2 sits at u = 1.25 over −1..4: distances
    /// 2.25, 1.25, 0.25, −0.75, −1.75, −2.75 → 0, −0.0703125, 0.8671875, 0.2265625, −0.0234375, 0.
    /// </summary>
    [Fact]
    public void RampUpscaleByTwoMatchesHandDerivedWeights()
    {
        var ramp = TestImages.From(1, 8, 8, (_, _, x) => x / 10.0);
        var up = MatlabBicubic.Upscale(ramp, 2);

        Assert.Equal(16, up.Height);
        Assert.Equal(16, up.Width);
        // sources (0-based values /10): output 1 reads v[2], v[1], v[0], v[0], v[1], v[2]
        var out1 = (-0.0234375 * 1 + 0.2265625 * 0 + 0.8671875 * 0 + -0.0703125 * 1) / 10.0;
        // output 2 reads v[1], v[0], v[0], v[1], v[2], v[3]
        var out2 = (-0.0703125 * 0 + 0.8671875 * 0 + 0.2265625 * 1 + -0.0234375 * 2) / 10.0;
        Assert.Equal(out1, up[0, 5, 0], 6);
        Assert.Equal(out2, up[0, 5, 1], 6);
        // In the interior a symmetric normalised kernel reproduces a ramp exactly: value at u − 1 (0-based).
        Assert.Equal((8 / 2.0 + 0.25 - 1) / 10.0, up[0, 5, 7], 6);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void ConstantImageStaysConstant(int factor)
    {
        var image = TestImages.Constant(3, 13, 17, 0.3137);
        var down = MatlabBicubic.Downscale(image, factor);
        var up = MatlabBicubic.Upscale(image, factor);

        Assert.Equal((13 + factor - 1) / factor, down.Height);
        Assert.Equal((17 + factor - 1) / factor, down.Width);
        Assert.Equal(13 * factor, up.Height);
        Assert.Equal(17 * factor, up.Width);
        Assert.All(down.Data, v => Assert.Equal(0.3137, v, 5));
        Assert.All(up.Data, v => Assert.Equal(0.3137, v, 5));
    }

    [Fact]
    public void DownscaleAveragesFineDetail()
    {
        // A one-pixel checkerboard ×2 down must lose almost all its contrast (antialiasing),
        // whereas point sampling would keep all of it.
        var checker = TestImages.From(1, 16, 16, (_, y, x) => (x + y) % 2);
        var down = MatlabBicubic.Downscale(checker, 2);
        Assert.All(down.Crop(1, 1, 6, 6).Data, v => Assert.InRange(v, 0.45, 0.55));
    }

    [Fact]
    public void BadFactorIsRefused()
    {
        var image = TestImages.Constant(1, 8, 8, 0.5);
        Assert.Throws<ArgumentOutOfRangeException>(() => MatlabBicubic.Downscale(image, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => MatlabBicubic.Upscale(image, -2));
    }
}
