using System.Security.Cryptography;
using System.Text.Json;
using HiNas.Imaging.Datasets;
using HiNas.Imaging.Datasets.Photos;
using HiNas.Imaging.Degradations;
using HiNas.Imaging.IO;
using HiNas.Imaging.Pixels;

namespace HiNas.Imaging.Tests.Photos;

/// <summary>
/// A collection written from a package tree laid out as <c>dpkg-deb -x</c> leaves it: files checked, cropped,
/// downscaled, split into their folders, described, licensed; copies refused; nothing half-written.
/// </summary>
public sealed class PhotoCollectionTests
{
    private const string Package = "photo-pack";

    [Fact]
    public void WritesEachPhotographIntoItsSplit_CroppedAndDownscaled_WithManifestAndLicence()
    {
        var (root, sources) = PackageTree(("meadow", Scene(1), PhotoSplit.Train, null), ("harbour", Scene(2), PhotoSplit.Validation, new PhotoRegion(10, 20, 250, 200)),
            ("forest", Scene(3), PhotoSplit.Evaluation, null));
        var outDir = Path.Combine(TestImages.TempDir(), "photos");

        var manifest = PhotoCollection.Write(sources, root, outDir, maxSide: 160);

        Assert.Equal(new[] { "train/meadow.png", "validation/harbour.png", "evaluation/forest.png" }, manifest.Photos.Select(p => p.File));
        var meadow = ImageFile.Load(Path.Combine(outDir, "train", "meadow.png"));
        Assert.Equal((3, 120, 150), (meadow.Channels, meadow.Height, meadow.Width)); // 300 × 240 → factor 2 (ceil of 300 / 160)
        Assert.Equal(MatlabBicubic.Downscale(Stored(Scene(1)), 2).Data.Select(ImageFile.ToByte), meadow.Data.Select(ImageFile.ToByte));
        var harbour = manifest.Photos[1];
        Assert.Equal(("10,20,250,200", 2, 125, 100), (harbour.Region, harbour.Downscale, harbour.Width, harbour.Height));
        Assert.Equal(MatlabBicubic.Downscale(Stored(Scene(2)).Crop(20, 10, 200, 250), 2).Data.Select(ImageFile.ToByte),
            ImageFile.Load(Path.Combine(outDir, "validation", "harbour.png")).Data.Select(ImageFile.ToByte));

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, PhotoManifest.FileName)));
        var first = json.RootElement.GetProperty("photos")[0];
        Assert.Equal(sources[0].Sha256, first.GetProperty("sha256").GetString());
        Assert.Equal("CC0-1.0", first.GetProperty("licence").GetString());
        Assert.Equal("usr/share/pictures/meadow.jpg", first.GetProperty("path").GetString());
        Assert.Equal("the copyright of photo-pack\n", File.ReadAllText(Path.Combine(outDir, PhotoCollection.LicenceFolder, $"{Package}.copyright")));
        Assert.Empty(Directory.GetDirectories(Path.GetDirectoryName(outDir)!, ".photos.*")); // no staging left behind
    }

    [Fact]
    public void ARunAgain_ReplacesTheEarlierCollection_ButNeverAFolderThatIsNotOne()
    {
        var (root, sources) = PackageTree(("meadow", Scene(1), PhotoSplit.Train, null), ("harbour", Scene(2), PhotoSplit.Validation, null));
        var outDir = Path.Combine(TestImages.TempDir(), "photos");
        PhotoCollection.Write(sources, root, outDir, maxSide: 160);
        File.WriteAllText(Path.Combine(outDir, "train", "stray.png"), "left from before");
        PhotoCollection.Write(sources.Take(1).Append(sources[1] with { Split = PhotoSplit.Train }).ToArray(), root, outDir, maxSide: 160);
        Assert.Equal(new[] { "harbour.png", "meadow.png" }, Directory.GetFiles(Path.Combine(outDir, "train")).Select(Path.GetFileName).Order());
        Assert.False(Directory.Exists(Path.Combine(outDir, "validation")));

        var precious = TestImages.TempDir();
        File.WriteAllText(Path.Combine(precious, "notes.txt"), "mine");
        var error = Assert.Throws<IOException>(() => PhotoCollection.Write(sources, root, precious, maxSide: 160));
        Assert.Contains("is not a photo collection", error.Message);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(precious, "notes.txt")));
    }

    [Fact]
    public void ACopyAtAnotherSize_IsRefused_NamingBoth()
    {
        var scene = Scene(4);
        var (root, sources) = PackageTree(("original", scene, PhotoSplit.Train, null), ("copy", MatlabBicubic.Downscale(scene, 2), PhotoSplit.Evaluation, null),
            ("other", Scene(5), PhotoSplit.Validation, null));
        var outDir = Path.Combine(TestImages.TempDir(), "photos");
        var error = Assert.Throws<InvalidDataException>(() => PhotoCollection.Write(sources, root, outDir, maxSide: 512));
        Assert.Contains("original", error.Message);
        Assert.Contains("copy", error.Message);
        Assert.Contains("look alike", error.Message);
        Assert.False(Directory.Exists(outDir));
        Assert.True(PhotoCollection.Distance(PhotoCollection.Signature(Scene(4)), PhotoCollection.Signature(Scene(5))) > 3 * PhotoCollection.DuplicateDistance);
    }

    [Fact]
    public void AChangedFile_AGrayPhotograph_AndARegionOutside_AreRefusedByName()
    {
        var (root, sources) = PackageTree(("meadow", Scene(1), PhotoSplit.Train, null));
        var outDir = Path.Combine(TestImages.TempDir(), "photos");
        var changed = sources[0] with { Sha256 = new string('0', 64) };
        Assert.Contains("meadow (photo-pack: usr/share/pictures/meadow.jpg): SHA-256", Assert.Throws<InvalidDataException>(() => PhotoCollection.Write([changed], root, outDir)).Message);
        var outside = sources[0] with { Region = new PhotoRegion(100, 0, 250, 10) };
        Assert.Contains("region 100,0,250,10 lies outside its 300×240 pixels", Assert.Throws<InvalidDataException>(() => PhotoCollection.Write([outside], root, outDir)).Message);
        var missing = sources[0] with { PathInPackage = "usr/share/pictures/none.jpg" };
        Assert.Contains("not found", Assert.Throws<FileNotFoundException>(() => PhotoCollection.Write([missing], root, outDir)).Message);

        var gray = TestImages.From(3, 120, 160, (_, y, x) => (x * 7 + y * 3) % 50 / 50.0);
        var (grayRoot, graySources) = PackageTree(("mist", gray, PhotoSplit.Train, null));
        Assert.Contains("a gray photograph", Assert.Throws<InvalidDataException>(() => PhotoCollection.Write(graySources, grayRoot, outDir)).Message);
        Assert.False(Directory.Exists(outDir));
    }

    [Theory]
    [InlineData("a\tp\t1\tf.jpg\t{sha}\ttrain\tMIT", "line 2: 7 tab-separated columns, expected 8")]
    [InlineData("a b\tp\t1\tf.jpg\t{sha}\ttrain\tMIT\t-", "line 2: id 'a b' must be letters")]
    [InlineData("a\tp\t1\t../f.jpg\t{sha}\ttrain\tMIT\t-", "line 2: path '../f.jpg' must be relative")]
    [InlineData("a\tp\t1\tf.jpg\tABC\ttrain\tMIT\t-", "line 2: sha256 'ABC' must be 64 lower-case hex digits")]
    [InlineData("a\tp\t1\tf.jpg\t{sha}\ttest\tMIT\t-", "line 2: split 'test' must be train, validation or evaluation")]
    [InlineData("a\tp\t1\tf.jpg\t{sha}\ttrain\tMIT\t1,2,0,4", "line 2: region '1,2,0,4' must be x,y,width,height")]
    [InlineData("b\tp\t1\tg.jpg\t{sha}\ttrain\tMIT\t-\nb\tp\t1\th.jpg\t{sha}\ttrain\tMIT\t-", "line 3: id 'b' appears twice")]
    [InlineData("b\tp\t1\tg.jpg\t{sha}\ttrain\tMIT\t-\nc\tp\t1\tg.jpg\t{sha}\ttrain\tMIT\t-", "line 3: p's 'g.jpg' is listed twice")]
    public void TheSourceList_NamesTheLineAndWhatIsWrong(string body, string expected)
    {
        var text = "# a comment\n" + body.Replace("{sha}", new string('a', 64));
        var error = Assert.Throws<InvalidDataException>(() => PhotoSources.Parse(text, "sources.tsv"));
        Assert.Contains($"sources.tsv, {expected}", error.Message);
    }

    [Fact]
    public void TheRepositorysSourceList_Parses_AndKeepsItsSplitsApart()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Data", "photo-sources.tsv");
        var sources = PhotoSources.Parse(File.ReadAllText(path), path);
        Assert.True(sources.Count(s => s.Split == PhotoSplit.Train) >= 30);
        Assert.True(sources.Count(s => s.Split == PhotoSplit.Validation) >= 5);
        Assert.True(sources.Count(s => s.Split == PhotoSplit.Evaluation) >= 10);
        Assert.DoesNotContain(sources, s => s.PathInPackage.Contains("skimage", StringComparison.OrdinalIgnoreCase)); // reserved for independent evaluation
    }

    /// <summary>The image as its 8-bit file holds it.</summary>
    private static PlanarImage Stored(PlanarImage image) => ImageFile.Decode(ImageFile.EncodePng(image), "scene");

    /// <summary>A smooth colour scene (differs with <paramref name="seed"/>), 300 × 240.</summary>
    private static PlanarImage Scene(int seed) => TestImages.From(3, 240, 300, (c, y, x) =>
        0.5 + 0.4 * Math.Sin((x * (0.013 + 0.004 * seed) + c) * (1 + seed % 3)) * Math.Cos(y * (0.021 - 0.002 * seed) + seed * c));

    private static (string Root, PhotoSource[] Sources) PackageTree(params (string Id, PlanarImage Image, PhotoSplit Split, PhotoRegion? Region)[] photos)
    {
        var root = TestImages.TempDir();
        var doc = Path.Combine(root, Package, "usr", "share", "doc", Package);
        Directory.CreateDirectory(doc);
        File.WriteAllText(Path.Combine(doc, "copyright"), "the copyright of photo-pack\n");
        var sources = photos.Select(p =>
        {
            var relative = $"usr/share/pictures/{p.Id}.jpg";
            var file = Path.Combine(root, Package, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            var bytes = ImageFile.EncodePng(p.Image); // PNG bytes under a .jpg name: the decoder goes by content
            File.WriteAllBytes(file, bytes);
            return new PhotoSource(p.Id, Package, "1.0-1", relative, Convert.ToHexStringLower(SHA256.HashData(bytes)), p.Split, "CC0-1.0", p.Region);
        }).ToArray();
        return (root, sources);
    }
}
