using HiNas.Imaging.Datasets;
using HiNas.Imaging.IO;
using HiNas.Imaging.Randomness;
using HiNas.Imaging.Tasks;

namespace HiNas.Imaging.Tests;

public class DatasetTests
{
    [Fact]
    public void ImageFolderIsRecursiveSortedAndImageOnly()
    {
        var dir = TestImages.TempDir();
        Directory.CreateDirectory(Path.Combine(dir, "sub"));
        ImageFile.SavePng(TestImages.Constant(3, 8, 8, 0.1), Path.Combine(dir, "b.png"));
        ImageFile.SavePng(TestImages.Constant(1, 8, 8, 0.2), Path.Combine(dir, "sub", "a.png"));
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "not an image");

        var source = new ImageFolderSource(dir);

        Assert.Equal(2, source.Count);
        Assert.Equal("b.png", source.Name(0));
        Assert.Equal(Path.Combine("sub", "a.png"), source.Name(1));
        Assert.Equal(3, source.Load(1, 3).Channels);
        Assert.Equal(1, source.Load(0, 1).Channels);
    }

    [Fact]
    public void MissingOrEmptyFolderIsAClearError()
    {
        var dir = TestImages.TempDir();
        Assert.Contains("has no .png", Assert.Throws<InvalidDataException>(() => new ImageFolderSource(dir)).Message);
        Assert.Contains("does not exist", Assert.Throws<DirectoryNotFoundException>(() => new ImageFolderSource(Path.Combine(dir, "nope"))).Message);
    }

    [Fact]
    public void SplitIsSeededDisjointAndComplete()
    {
        var a = DatasetSplit.Create(20, 0.25, seed: 1);
        var b = DatasetSplit.Create(20, 0.25, seed: 1);
        var c = DatasetSplit.Create(20, 0.25, seed: 2);
        Assert.Equal(a.First, b.First);
        Assert.Equal(5, a.Second.Count);
        Assert.Empty(a.First.Intersect(a.Second));
        Assert.Equal(Enumerable.Range(0, 20), a.First.Concat(a.Second).Order());
        Assert.NotEqual(a.Second, c.Second);
        Assert.Throws<ArgumentOutOfRangeException>(() => DatasetSplit.Create(1, 0.5, 1));
    }

    [Fact]
    public void DihedralGivesEightDistinctInvertibleTransforms()
    {
        var image = TestImages.From(1, 3, 3, (_, y, x) => (y * 3 + x) / 9.0);
        var results = Enumerable.Range(0, 8).Select(m => Dihedral.Apply(image, m)).ToArray();
        Assert.Equal(8, results.Select(r => string.Join(",", r.Data)).Distinct().Count());
        Assert.All(results, r => Assert.Equal(image.Data.Order(), r.Data.Order()));
        var rect = TestImages.From(1, 2, 5, (_, y, x) => y * 5 + x);
        Assert.Equal((5, 2), (Dihedral.Apply(rect, 4).Height, Dihedral.Apply(rect, 4).Width));
    }

    [Fact]
    public void DeadLeavesSourceIsDeterministicPerIndex()
    {
        var source = new DeadLeavesSource(4, 32, 24, seed: 11);
        Assert.Equal(source.Load(2, 3).Data, new DeadLeavesSource(4, 32, 24, seed: 11).Load(2, 3).Data);
        Assert.NotEqual(source.Load(1, 3).Data, source.Load(2, 3).Data);
        Assert.Throws<ArgumentOutOfRangeException>(() => source.Load(4, 3));
    }

    [Fact]
    public void DenoisePairsHaveFreshNoiseOnTheSameShape()
    {
        var pool = PairSampler.LoadPool(new DeadLeavesSource(3, 48, 48, seed: 1), new[] { 0, 1, 2 }, 1);
        var sampler = new PairSampler(pool, RestorationTask.Denoise(25, 1), cropSize: 32);
        var random = new DeterministicRandom(5);
        var first = sampler.Next(random);
        var second = sampler.Next(random);
        Assert.Equal((1, 32, 32), (first.Input.Channels, first.Input.Height, first.Input.Width));
        Assert.True(first.Target.SameShape(first.Input));
        var noise = first.Input.Data.Zip(first.Target.Data, (a, b) => (a - b) * 255.0).ToArray();
        Assert.InRange(Math.Sqrt(noise.Select(n => n * n).Average()), 20, 30);
        Assert.NotEqual(first.Input.Data, second.Input.Data);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void SrPairsDownscaleTheTargetByTheScale(int scale)
    {
        var pool = PairSampler.LoadPool(new DeadLeavesSource(2, 64, 64, seed: 1), new[] { 0, 1 }, 3);
        var crop = 12 * scale;
        var pair = new PairSampler(pool, RestorationTask.SuperResolution(scale, 3), crop).Next(new DeterministicRandom(1));
        Assert.Equal((3, crop, crop), (pair.Target.Channels, pair.Target.Height, pair.Target.Width));
        Assert.Equal((3, 12, 12), (pair.Input.Channels, pair.Input.Height, pair.Input.Width));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PairSampler(pool, RestorationTask.SuperResolution(scale, 3), crop + 1));
    }

    [Fact]
    public void ImagesSmallerThanTheCropAreRefused()
    {
        var pool = new[] { TestImages.Constant(1, 20, 20, 0.5) };
        Assert.Contains("smaller than", Assert.Throws<ArgumentException>(() => new PairSampler(pool, RestorationTask.Denoise(10, 1), 32)).Message);
    }

    [Fact]
    public void EvaluationDegradationIsSeededPerImage()
    {
        var clean = TestImages.Constant(3, 13, 14, 0.5);
        var task = RestorationTask.SuperResolution(3, 3);
        var (input, target) = task.Degrade(clean, seed: 0);
        Assert.Equal((12, 12), (target.Height, target.Width));
        Assert.Equal((4, 4), (input.Height, input.Width));
        var denoise = RestorationTask.Denoise(50, 3);
        Assert.Equal(denoise.Degrade(clean, 3).Input.Data, denoise.Degrade(clean, 3).Input.Data);
        Assert.Equal("denoise-s50-rgb", denoise.Slug);
        Assert.Equal("sr-x3-rgb", task.Slug);
    }
}
