using HiNas.Imaging.Pixels;
using HiNas.Imaging.Randomness;

namespace HiNas.Imaging.Datasets.Rendered;

/// <summary>
/// Rendered game-like frames (<see cref="SceneRenderer"/>) as an image source. The evaluation set is the frames of
/// <see cref="EvaluationSeed"/>; training sources draw their scenes from seeds with the top bit clear, so no training
/// scene is ever an evaluation scene.
/// </summary>
public sealed class RenderedSceneSource : IImageSource
{
    /// <summary>The evaluation frames' seed stream (its scenes have seeds with the top bit set).</summary>
    public const ulong EvaluationSeed = 0xE7A1_5CE2_E5u;

    private const ulong EvaluationBit = 1UL << 63;

    private RenderedSceneSource(int count, int width, int height, ulong seed, bool evaluation)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "the image count must be at least 1");
        if (width < 8 || height < 8) throw new ArgumentOutOfRangeException(nameof(width), $"frame size {width}×{height} must be at least 8×8");
        (Count, Width, Height, Seed, IsEvaluation) = (count, width, height, seed, evaluation);
    }

    /// <summary>Training frames: scenes from <paramref name="seed"/>'s stream, never an evaluation scene.</summary>
    public static RenderedSceneSource Training(int count, int width, int height, ulong seed) => new(count, width, height, seed, evaluation: false);

    /// <summary>The evaluation frames: the first <paramref name="count"/> scenes of <see cref="EvaluationSeed"/>'s stream.</summary>
    public static RenderedSceneSource Evaluation(int count, int width, int height) => new(count, width, height, EvaluationSeed, evaluation: true);

    public int Count { get; }
    public int Width { get; }
    public int Height { get; }
    public ulong Seed { get; }
    public bool IsEvaluation { get; }

    public string Description => $"rendered(count={Count}, size={Width}x{Height}, {(IsEvaluation ? "evaluation" : $"seed={Seed}")})";

    public string Name(int index) => IsEvaluation ? $"rendered_{index:D3}.png" : $"rendered_{Seed}_{index:D5}.png";

    /// <summary>The scene seed of frame <paramref name="index"/>: top bit set for evaluation frames, clear for training ones.</summary>
    public ulong SceneSeed(int index)
    {
        var derived = DeterministicRandom.Derive(Seed, (ulong)index);
        return IsEvaluation ? derived | EvaluationBit : derived & ~EvaluationBit;
    }

    public PlanarImage Load(int index, int channels)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"index must be in [0, {Count})");
        return SceneRenderer.Render(Width, Height, channels, SceneSeed(index));
    }
}
