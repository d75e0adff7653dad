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

    private static PlanarImage Constant(int side, float value) => new(1, side, side, Enumerable.Repeat(value, side * side).ToArray());
}
