using HiNas.Imaging.Degradations;

namespace HiNas.Imaging.Tests;

public class NoiseTests
{
    [Fact]
    public void SameSeedGivesIdenticalNoiseAndAnotherSeedDiffers()
    {
        var image = TestImages.Constant(3, 32, 32, 0.5);
        var a = GaussianNoise.Apply(image, 25, seed: 7);
        var b = GaussianNoise.Apply(image, 25, seed: 7);
        var c = GaussianNoise.Apply(image, 25, seed: 8);
        Assert.Equal(a.Data, b.Data);
        Assert.NotEqual(a.Data, c.Data);
    }

    [Theory]
    [InlineData(15.0)]
    [InlineData(50.0)]
    public void NoiseHasTheRequestedSigmaOnThe255Scale(double sigma)
    {
        var image = TestImages.Constant(1, 128, 128, 0.5);
        var noisy = GaussianNoise.Apply(image, sigma, seed: 3);
        var deviations = noisy.Data.Select(v => (v - 0.5) * 255.0).ToArray();
        var mean = deviations.Average();
        var std = Math.Sqrt(deviations.Select(d => (d - mean) * (d - mean)).Average());
        Assert.InRange(mean, -sigma * 0.03, sigma * 0.03);
        Assert.InRange(std, sigma * 0.97, sigma * 1.03);
    }

    [Fact]
    public void ClippingIsOptional()
    {
        var image = TestImages.Constant(1, 64, 64, 0.98);
        var unclipped = GaussianNoise.Apply(image, 50, seed: 1);
        var clipped = GaussianNoise.Apply(image, 50, seed: 1, clip: true);
        Assert.Contains(unclipped.Data, v => v > 1f);
        Assert.All(clipped.Data, v => Assert.InRange(v, 0f, 1f));
    }

    [Fact]
    public void NegativeSigmaIsRefused()
    {
        var image = TestImages.Constant(1, 8, 8, 0.5);
        Assert.Throws<ArgumentOutOfRangeException>(() => GaussianNoise.Apply(image, -1, seed: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => GaussianNoise.Apply(image, double.NaN, seed: 1));
    }
}
