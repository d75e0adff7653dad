using HiNas.Imaging.Randomness;

namespace HiNas.Imaging.Datasets;

/// <summary>A seeded partition of image indices into two disjoint parts (train/validation, or w-train/a-train).</summary>
public sealed record DatasetSplit(IReadOnlyList<int> First, IReadOnlyList<int> Second)
{
    /// <summary>
    /// Shuffles 0..count−1 with <paramref name="seed"/> and gives round(count·secondFraction) indices (at least 1)
    /// to the second part, the rest to the first; both parts keep ascending order.
    /// </summary>
    public static DatasetSplit Create(int count, double secondFraction, ulong seed)
    {
        if (count < 2) throw new ArgumentOutOfRangeException(nameof(count), count, "a split needs at least 2 images");
        if (!(secondFraction > 0 && secondFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(secondFraction), secondFraction, "the split fraction must be in (0, 1)");
        var order = Enumerable.Range(0, count).ToArray();
        var random = new DeterministicRandom(seed);
        for (var i = count - 1; i > 0; i--)
        {
            var j = random.NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        var secondCount = Math.Clamp((int)Math.Round(count * secondFraction), 1, count - 1);
        var second = order.Take(secondCount).Order().ToArray();
        var first = order.Skip(secondCount).Order().ToArray();
        return new DatasetSplit(first, second);
    }
}
