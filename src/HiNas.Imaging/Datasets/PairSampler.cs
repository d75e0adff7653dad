using HiNas.Imaging.Pixels;
using HiNas.Imaging.Randomness;
using HiNas.Imaging.Tasks;

namespace HiNas.Imaging.Datasets;

/// <summary>
/// Random training pairs from a pool of clean images: a random crop of <see cref="CropSize"/> pixels of the
/// target (for SR the HR patch, a multiple of the scale; the LR input is CropSize/scale), one of the 8
/// flips/rotations, then the task's degradation with fresh noise per sample. Every crop position of every image is
/// equally likely (the field's convention of cutting every image into patches), so an image is drawn in proportion
/// to its crop positions: a pool of a few large photographs and many small frames is not ruled by the frames.
/// </summary>
public sealed class PairSampler
{
    private readonly IReadOnlyList<PlanarImage> _images;
    private readonly double[] _cumulativePositions; // crop positions of images 0..i

    /// <param name="images">the clean images (the task's channels, at least the crop in size)</param>
    /// <param name="task">the degradation</param>
    /// <param name="cropSize">the target patch side</param>
    /// <param name="augment">apply one of the 8 flips/rotations per patch</param>
    /// <param name="noiseRange">denoising only: draw each sample's σ uniformly from this range (blind training) instead of the task's σ</param>
    /// <param name="noiseMap">denoising only: each input ends with the sample's noise-level plane (<see cref="NoiseLevelMap"/>)</param>
    public PairSampler(IReadOnlyList<PlanarImage> images, RestorationTask task, int cropSize, bool augment = true, (double Min, double Max)? noiseRange = null, bool noiseMap = false)
    {
        if (noiseMap && task.Kind != RestorationKind.Denoise) throw new ArgumentException($"a noise-level map is for denoising, not {task.Slug}", nameof(noiseMap));
        NoiseMap = noiseMap;
        if (noiseRange is { } range && (task.Kind != RestorationKind.Denoise || !(range.Min >= 0) || !(range.Max > range.Min) || range.Max > 255))
            throw new ArgumentOutOfRangeException(nameof(noiseRange), $"a noise range needs a denoising task and 0 ≤ min < max ≤ 255, got [{range.Min}, {range.Max}]");
        NoiseRange = noiseRange;
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(task);
        if (images.Count == 0) throw new ArgumentException("the image pool is empty", nameof(images));
        if (cropSize < 8) throw new ArgumentOutOfRangeException(nameof(cropSize), cropSize, "the crop must be at least 8 pixels");
        if (cropSize % task.Scale != 0)
            throw new ArgumentOutOfRangeException(nameof(cropSize), cropSize, $"the crop must be a multiple of the scale ×{task.Scale}");
        for (var i = 0; i < images.Count; i++)
        {
            if (images[i].Height < cropSize || images[i].Width < cropSize)
                throw new ArgumentException($"image {i} is {images[i].Height}×{images[i].Width}, smaller than the {cropSize}-pixel crop", nameof(images));
            if (images[i].Channels != task.Channels)
                throw new ArgumentException($"image {i} has {images[i].Channels} channel(s) but the task is {task.Slug}", nameof(images));
        }
        _images = images;
        _cumulativePositions = new double[images.Count];
        var total = 0.0;
        for (var i = 0; i < images.Count; i++)
            _cumulativePositions[i] = total += (double)(images[i].Height - cropSize + 1) * (images[i].Width - cropSize + 1);
        Task = task;
        CropSize = cropSize;
        Augment = augment;
    }

    /// <summary>Loads the given indices of a source into memory once.</summary>
    public static IReadOnlyList<PlanarImage> LoadPool(IImageSource source, IEnumerable<int> indices, int channels) =>
        indices.Select(i => source.Load(i, channels)).ToArray();

    public RestorationTask Task { get; }
    public int CropSize { get; }
    public bool Augment { get; }
    public (double Min, double Max)? NoiseRange { get; }
    public bool NoiseMap { get; }

    private int NextImage(DeterministicRandom random)
    {
        var position = random.NextDouble() * _cumulativePositions[^1];
        var i = Array.BinarySearch(_cumulativePositions, position);
        return Math.Min(i >= 0 ? i + 1 : ~i, _images.Count - 1); // the first image whose cumulative count exceeds the position
    }

    /// <summary><paramref name="count"/> pairs drawn one after another from <paramref name="random"/>: a training batch.</summary>
    public TrainingPair[] NextBatch(DeterministicRandom random, int count)
    {
        var pairs = new TrainingPair[count];
        for (var i = 0; i < pairs.Length; i++) pairs[i] = Next(random);
        return pairs;
    }

    public TrainingPair Next(DeterministicRandom random)
    {
        var image = _images[NextImage(random)];
        var y = random.NextInt(image.Height - CropSize + 1);
        var x = random.NextInt(image.Width - CropSize + 1);
        var target = image.Crop(y, x, CropSize, CropSize);
        if (Augment) target = Dihedral.Apply(target, random.NextInt(Dihedral.Count));
        if (NoiseRange is { } range)
        {
            var sigma = random.NextDouble(range.Min, range.Max);
            var noisy = Degradations.GaussianNoise.Apply(target, sigma, random);
            return new TrainingPair(NoiseMap ? NoiseLevelMap.Append(noisy, sigma) : noisy, target);
        }
        var input = Task.DegradePatch(target, random);
        return new TrainingPair(NoiseMap ? NoiseLevelMap.Append(input, Task.Sigma) : input, target);
    }
}
