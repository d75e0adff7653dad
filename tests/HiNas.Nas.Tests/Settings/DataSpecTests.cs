using HiNas.Imaging.IO;
using HiNas.Imaging.Pixels;
using HiNas.Nas.Settings;

namespace HiNas.Nas.Tests.Settings;

/// <summary>A photo collection's folder is a fixed split: training reads train/, validation validation/, never evaluation/.</summary>
public sealed class DataSpecTests
{
    [Fact]
    public void AFolderWithTrainAndValidation_IsAFixedSplit_ThatNeverReadsEvaluation()
    {
        var root = Path.Combine(Path.GetTempPath(), "hinas-tests", Guid.NewGuid().ToString("N"));
        Write(root, "train", "a", 0.1f);
        Write(root, "train", "b", 0.2f);
        Write(root, "validation", "c", 0.3f);
        Write(root, "evaluation", "d", 0.9f);
        var (train, validation) = DataSpec.Parse(root).Load(1, seed: 5);
        Assert.Equal(new[] { 0.1f, 0.2f }, train.Select(i => MathF.Round(i.Data[0], 1)));
        Assert.Equal(new[] { 0.3f }, validation.Select(i => MathF.Round(i.Data[0], 1)));

        Directory.Delete(Path.Combine(root, "validation"), recursive: true); // no fixed split: a seeded 10 % of every image below
        var (all, heldOut) = DataSpec.Parse(root).Load(1, seed: 5);
        Assert.Equal(3, all.Count + heldOut.Count);
    }

    private static void Write(string root, string split, string name, float value)
    {
        var image = new PlanarImage(1, 20, 20);
        image.Data.AsSpan().Fill(value);
        ImageFile.SavePng(image, Path.Combine(root, split, $"{name}.png"));
    }
}
