using HiNas.Imaging.Datasets;
using HiNas.Imaging.IO;

namespace HiNas.Imaging.Tests;

public class DeadLeavesTests
{
    [Fact]
    public void SameSeedGivesByteIdenticalPngs()
    {
        var generator = new DeadLeavesGenerator();
        var a = ImageFile.EncodePng(generator.Generate(96, 64, 3, seed: 42));
        var b = ImageFile.EncodePng(new DeadLeavesGenerator().Generate(96, 64, 3, seed: 42));
        var c = ImageFile.EncodePng(generator.Generate(96, 64, 3, seed: 43));
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void ImagesHaveStructureAtManyScales(int channels)
    {
        var image = new DeadLeavesGenerator().Generate(128, 128, channels, seed: 5);
        Assert.Equal((channels, 128, 128), (image.Channels, image.Height, image.Width));
        Assert.All(image.Data, v => Assert.InRange(v, 0f, 1f));
        var mean = image.Data.Average();
        var std = Math.Sqrt(image.Data.Select(v => (v - mean) * (v - mean)).Average());
        Assert.InRange(std, 0.08, 0.5);
        // Many distinct regions: count distinct 8-bit values in the first channel.
        var distinct = image.Data.Take(image.PlaneSize).Select(ImageFile.ToByte).Distinct().Count();
        Assert.True(distinct > 40, $"only {distinct} distinct gray levels");
        // Edges exist but most neighbouring pixels are similar (piecewise smooth, like photographs).
        var small = 0;
        for (var y = 0; y < 128; y++)
            for (var x = 1; x < 128; x++)
                if (Math.Abs(image[0, y, x] - image[0, y, x - 1]) < 0.05) small++;
        Assert.InRange(small / (128.0 * 127), 0.6, 0.99);
    }

    [Fact]
    public void RgbImagesAreNotGray()
    {
        var image = new DeadLeavesGenerator().Generate(64, 64, 3, seed: 9);
        var chroma = 0.0;
        for (var i = 0; i < image.PlaneSize; i++) chroma += Math.Abs(image.Data[i] - image.Data[image.PlaneSize + i]);
        Assert.True(chroma / image.PlaneSize > 0.02);
    }

    [Fact]
    public void BadSizesAreRefused()
    {
        var generator = new DeadLeavesGenerator();
        Assert.Throws<ArgumentOutOfRangeException>(() => generator.Generate(0, 10, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => generator.Generate(10, 10, 2, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DeadLeavesGenerator(new DeadLeavesOptions { Alpha = 0.5 }));
    }
}
