using HiNas.Imaging.Pixels;
using HiNas.Imaging.Randomness;

namespace HiNas.Imaging.Datasets;

/// <summary>The default data when no folder is given: <see cref="Count"/> dead-leaves images from one seed.</summary>
public sealed class DeadLeavesSource : IImageSource
{
    private readonly DeadLeavesGenerator _generator;

    public DeadLeavesSource(int count, int width, int height, ulong seed, DeadLeavesOptions? options = null)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "the image count must be at least 1");
        if (width < 1 || height < 1) throw new ArgumentOutOfRangeException(nameof(width), $"image size {width}×{height} must be at least 1×1");
        Count = count;
        Width = width;
        Height = height;
        Seed = seed;
        _generator = new DeadLeavesGenerator(options);
    }

    public int Count { get; }
    public int Width { get; }
    public int Height { get; }
    public ulong Seed { get; }

    public string Description => $"deadleaves(count={Count}, size={Width}x{Height}, seed={Seed})";

    public string Name(int index) => $"deadleaves_{Seed}_{index:D5}.png";

    /// <summary>Image <paramref name="index"/> is the same for a given seed whatever the channel count asked for.</summary>
    public PlanarImage Load(int index, int channels)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"index must be in [0, {Count})");
        return _generator.Generate(Width, Height, channels, DeterministicRandom.Derive(Seed, (ulong)index));
    }
}
