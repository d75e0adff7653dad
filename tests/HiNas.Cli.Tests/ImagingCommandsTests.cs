using System.Text.Json;
using HiNas.Imaging.Degradations;
using HiNas.Imaging.IO;
using HiNas.Imaging.Metrics;

namespace HiNas.Cli.Tests;

public class ImagingCommandsTests
{
    private readonly string _dir = CliRunner.TempDir();

    [Fact]
    public async Task DeadLeavesWithTheSameSeedAreByteIdentical()
    {
        var a = Path.Combine(_dir, "a");
        var b = Path.Combine(_dir, "b");
        var r1 = await CliRunner.RunAsync("dataset", "deadleaves", a, "--count", "3", "--size", "48x32", "--seed", "5");
        var r2 = await CliRunner.RunAsync("dataset", "deadleaves", b, "--count", "3", "--size", "48x32", "--seed", "5", "--gray");
        var r3 = await CliRunner.RunAsync("dataset", "deadleaves", a + "2", "--count", "3", "--size", "48x32", "--seed", "5");
        Assert.Equal(0, r1.ExitCode);
        Assert.Equal(0, r2.ExitCode);
        var files = Directory.GetFiles(a).Order().ToArray();
        Assert.Equal(3, files.Length);
        foreach (var file in files)
            Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(Path.Combine(a + "2", Path.GetFileName(file))));
        var first = ImageFile.Load(files[0]);
        Assert.Equal((3, 32, 48), (first.Channels, first.Height, first.Width));
        Assert.Equal(1, ImageFile.Load(Directory.GetFiles(b).Order().First()).Channels);
    }

    [Fact]
    public async Task MetricsJsonReportsPsnrAndSsim()
    {
        await CliRunner.RunAsync("dataset", "deadleaves", _dir, "--count", "1", "--size", "64", "--seed", "1");
        var clean = Directory.GetFiles(_dir).Single();
        var noisy = Path.Combine(_dir, "noisy.png");
        Assert.Equal(0, (await CliRunner.RunAsync("degrade", clean, noisy, "--noise-sigma", "15", "--seed", "2")).ExitCode);

        var result = await CliRunner.RunAsync("metrics", clean, noisy, "--json", "--y-channel", "--shave", "4");

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Stdout);
        var expected = QualityMetrics.Measure(ImageFile.Load(clean), ImageFile.Load(noisy), yChannel: true, shave: 4);
        Assert.Equal(expected.Psnr, json.RootElement.GetProperty("psnr").GetDouble(), 9);
        Assert.Equal(expected.Ssim, json.RootElement.GetProperty("ssim").GetDouble(), 9);
        Assert.InRange(expected.Psnr, 20, 40);
    }

    [Fact]
    public async Task MetricsOfTwoFolders_PairImagesByName_AndAverage()
    {
        var clean = Path.Combine(_dir, "clean");
        var noisy = Path.Combine(_dir, "noisy");
        await CliRunner.RunAsync("dataset", "deadleaves", clean, "--count", "2", "--size", "40x32", "--seed", "3");
        Directory.CreateDirectory(noisy);
        var files = Directory.GetFiles(clean).Order(StringComparer.Ordinal).ToArray();
        for (var i = 0; i < files.Length; i++)
            await CliRunner.RunAsync("degrade", files[i], Path.Combine(noisy, Path.GetFileName(files[i])), "--noise-sigma", "20", "--seed", $"{i}");

        var result = await CliRunner.RunAsync("metrics", clean, noisy, "--json");
        Assert.True(result.ExitCode == 0, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        var expected = files.Select(f => QualityMetrics.Measure(ImageFile.Load(f), ImageFile.Load(Path.Combine(noisy, Path.GetFileName(f))), yChannel: false, shave: 0)).ToArray();
        Assert.Equal(expected.Average(e => e.Psnr), json.RootElement.GetProperty("psnr").GetDouble(), 9);
        Assert.Equal(expected.Average(e => e.Ssim), json.RootElement.GetProperty("ssim").GetDouble(), 9);
        Assert.Equal(2, json.RootElement.GetProperty("images").GetInt32());

        File.Delete(Path.Combine(noisy, Path.GetFileName(files[1])));
        var missing = await CliRunner.RunAsync("metrics", clean, noisy);
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains($"has no image named '{Path.GetFileNameWithoutExtension(files[1])}'", missing.Stderr);
        Assert.NotEqual(0, (await CliRunner.RunAsync("metrics", clean, files[0])).ExitCode);
    }

    [Fact]
    public async Task MetricsOfAnImageWithItselfIsInfinite()
    {
        await CliRunner.RunAsync("dataset", "deadleaves", _dir, "--count", "1", "--size", "32", "--seed", "1");
        var clean = Directory.GetFiles(_dir).Single();
        var text = await CliRunner.RunAsync("metrics", clean, clean, "--json");
        Assert.Contains("\"psnr\":\"Infinity\"", text.Stdout);
        Assert.Contains("\"ssim\":1", text.Stdout);
    }

    [Fact]
    public async Task DegradeDownscaleMatchesTheLibrary()
    {
        await CliRunner.RunAsync("dataset", "deadleaves", _dir, "--count", "1", "--size", "50x37", "--seed", "3");
        var clean = Directory.GetFiles(_dir).Single();
        var small = Path.Combine(_dir, "small.png");

        var result = await CliRunner.RunAsync("degrade", clean, small, "--downscale", "3");

        Assert.Equal(0, result.ExitCode);
        var written = ImageFile.Load(small);
        var expected = MatlabBicubic.Downscale(ImageFile.Load(clean), 3);
        Assert.Equal((17, 13), (written.Width, written.Height));
        Assert.Equal(expected.Data.Select(ImageFile.ToByte), written.Data.Select(ImageFile.ToByte));
    }

    [Theory]
    [InlineData("degrade", "{missing}", "{out}", "--downscale", "2")]
    [InlineData("degrade", "{clean}", "{out}", "--downscale", "5")]
    [InlineData("degrade", "{clean}", "{out}", "--downscale", "2", "--upscale", "2")]
    [InlineData("degrade", "{clean}", "{out}")]
    [InlineData("degrade", "{clean}", "{dir}/x.jpg", "--upscale", "2")]
    [InlineData("degrade", "{clean}", "{out}", "--noise-sigma", "-3")]
    [InlineData("metrics", "{clean}", "{corrupt}")]
    [InlineData("metrics", "{clean}", "{small}")]
    [InlineData("metrics", "{clean}", "{clean}", "--shave", "-1")]
    [InlineData("dataset", "deadleaves", "{dir}/d", "--count", "0", "--size", "8")]
    [InlineData("dataset", "deadleaves", "{dir}/d", "--count", "2", "--size", "8y8")]
    [InlineData("dataset", "deadleaves", "{dir}/d", "--count", "2")]
    [InlineData("metrics", "{clean}")]
    [InlineData("frobnicate")]
    [InlineData("degrade", "{clean}", "{out}", "--downscale", "two")]
    public async Task BadInvocationsGiveOneLineErrorsAndNonZeroExit(params string[] template)
    {
        var clean = Path.Combine(_dir, "clean.png");
        ImageFile.SavePng(new HiNas.Imaging.Datasets.DeadLeavesGenerator().Generate(24, 24, 3, 1), clean);
        var small = Path.Combine(_dir, "small.png");
        ImageFile.SavePng(new HiNas.Imaging.Datasets.DeadLeavesGenerator().Generate(12, 12, 3, 1), small);
        var corrupt = Path.Combine(_dir, "corrupt.png");
        File.WriteAllText(corrupt, "garbage");
        var args = template.Select(a => a.Replace("{missing}", Path.Combine(_dir, "missing.png")).Replace("{out}", Path.Combine(_dir, "out.png"))
            .Replace("{clean}", clean).Replace("{small}", small).Replace("{corrupt}", corrupt).Replace("{dir}", _dir)).ToArray();

        var result = await CliRunner.RunAsync(args);

        Assert.NotEqual(0, result.ExitCode);
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("hinas: error: ", lines[0]);
        Assert.DoesNotContain("   at ", result.Stderr);
        Assert.False(File.Exists(Path.Combine(_dir, "out.png")));
    }
}
