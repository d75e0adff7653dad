namespace HiNas.Imaging.Datasets.Photos;

/// <summary>
/// The part of a photo collection a photograph belongs to, fixed in its source list. Training reads
/// <see cref="Train"/>, model selection <see cref="Validation"/>; <see cref="Evaluation"/> is read only by evaluations
/// (the three stay disjoint, scenes included).
/// </summary>
public enum PhotoSplit
{
    Train,
    Validation,
    Evaluation,
}

public static class PhotoSplits
{
    /// <summary>The folder of a split in a collection, as training and evaluation find it.</summary>
    public static string Folder(this PhotoSplit split) => split switch
    {
        PhotoSplit.Train => "train",
        PhotoSplit.Validation => "validation",
        PhotoSplit.Evaluation => "evaluation",
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, null),
    };

    public static bool TryParse(string text, out PhotoSplit split)
    {
        foreach (var candidate in Enum.GetValues<PhotoSplit>())
        {
            if (candidate.Folder() != text) continue;
            split = candidate;
            return true;
        }
        split = default;
        return false;
    }
}
