using HiNas.Imaging.Datasets;
using HiNas.Imaging.Pixels;
using HiNas.Imaging.Randomness;
using HiNas.Imaging.Tasks;

namespace HiNas.Imaging.Tests;

public sealed class PairSamplerTests
{
    [Fact]
    public void EveryCropPositionIsEquallyLikely_SoImagesAreDrawnByTheirArea()
    {
        // one large image (33 × 33 = 1,089 crop positions of 32 px) beside ten that are exactly the crop (1 position each)
        var images = new List<PlanarImage> { Constant(64, 0.9f) };
        for (var i = 0; i < 10; i++) images.Add(Constant(32, 0.1f));
        var sampler = new PairSampler(images, RestorationTask.Denoise(25, 1), 32, augment: false);
        var random = new DeterministicRandom(3);
        var small = 0;
        const int draws = 4000;
        for (var i = 0; i < draws; i++)
            if (sampler.Next(random).Target.Data[0] < 0.5f) small++;
        // expected 10 / 1,099 of the draws (about 36); drawing images uniformly would give 10 / 11 (about 3,600)
        Assert.InRange(small, 15, 70);
    }

    [Fact]
    public void WithANoiseMap_EachInputEndsWithAPlaneOfItsOwnSigma()
    {
        var images = new List<PlanarImage> { new(3, 64, 64, Enumerable.Repeat(0.5f, 3 * 64 * 64).ToArray()) };
        var sampler = new PairSampler(images, RestorationTask.Denoise(25, 3), 32, noiseRange: (0, 50), noiseMap: true);
        var random = new DeterministicRandom(5);
        var levels = new List<double>();
        for (var i = 0; i < 20; i++)
        {
            var pair = sampler.Next(random);
            Assert.Equal(4, pair.Input.Channels);
            Assert.Equal(3, pair.Target.Channels);
            var plane = pair.Input.Data.AsSpan(3 * 32 * 32);
            var level = plane[0];
            foreach (var v in plane) Assert.Equal(level, v);
            // the noise the image planes carry is the σ the plane says (the clean image is flat, so this is the noise's deviation)
            var noise = pair.Input.Data.Take(3 * 32 * 32).Select(v => v - 0.5).ToArray();
            var deviation = Math.Sqrt(noise.Average(n => n * n));
            Assert.InRange(deviation, level * 0.9 - 0.002, level * 1.1 + 0.002);
            levels.Add(level);
        }
        Assert.True(levels.Max() - levels.Min() > 0.05, "every sample had the same σ");
        Assert.Throws<ArgumentException>(() => new PairSampler(images, RestorationTask.SuperResolution(2, 3), 32, noiseMap: true));
    }

    private static PlanarImage Constant(int side, float value) => new(1, side, side, Enumerable.Repeat(value, side * side).ToArray());
}
