using System.Diagnostics;
using HiNas.Imaging.Datasets;
using HiNas.Imaging.Degradations;
using HiNas.Imaging.IO;
using HiNas.Imaging.Metrics;
using HiNas.Imaging.Pixels;
using HiNas.Imaging.Randomness;
using HiNas.Imaging.Tasks;

namespace HiNas.Imaging.Evaluation;

/// <summary>
/// The field's evaluation protocol. Denoising: Gaussian noise of σ seeded per image (seed derived from the
/// run seed and the image's index), not clipped; PSNR/SSIM over all channels. Super-resolution: the HR image
/// cropped to a multiple of the scale, the LR input made by the MATLAB-style bicubic, PSNR/SSIM on Y
/// (BT.601) with `scale` pixels shaved at the border (gray images as they are). The input's own score is the
/// noisy image's, or for SR the MATLAB-style bicubic upscaling's.
/// </summary>
public static class EvaluationProtocol
{
    public static string Describe(RestorationTask task) => task.Kind == RestorationKind.Denoise
        ? $"gaussian noise sigma {task.Sigma} seeded per image, unclipped; PSNR/SSIM on all channels"
        : $"MATLAB bicubic x{task.Scale} LR from HR cropped to a multiple of the scale; PSNR/SSIM on Y (BT.601), {task.Scale}-px border shaved";

    /// <param name="restorer">the model under test</param>
    /// <param name="task">the evaluation task (σ may differ from the model's; kind, scale and channels may not)</param>
    /// <param name="images">clean images and their names, with the task's channel count</param>
    /// <param name="seed">seed of the per-image noise</param>
    /// <param name="saveOutputs">folder for the restored PNGs (null: not saved)</param>
    public static EvaluationReport Run(IImageRestorer restorer, RestorationTask task, IReadOnlyList<(string Name, PlanarImage Clean)> images, ulong seed, string? saveOutputs = null)
    {
        if (images.Count == 0) throw new ArgumentException("no images to evaluate", nameof(images));
        if (restorer.Task.Kind != task.Kind) throw new ArgumentException($"the model restores {restorer.Task.Slug} but the evaluation task is {task.Slug}");
        if (restorer.Task.Scale != task.Scale) throw new ArgumentException($"the model upscales ×{restorer.Task.Scale} but the evaluation asks for ×{task.Scale}");
        if (restorer.Task.Channels != task.Channels) throw new ArgumentException($"the model takes {restorer.Task.Channels}-channel images but the evaluation has {task.Channels}");

        var rows = new List<EvaluationRow>(images.Count);
        for (var i = 0; i < images.Count; i++)
        {
            var (name, clean) = images[i];
            var (input, target) = task.Degrade(clean, DeterministicRandom.Derive(seed, (ulong)i));
            var clock = Stopwatch.StartNew();
            var output = restorer.Restore(input, task.Kind == RestorationKind.Denoise ? task.Sigma : null);
            var ms = clock.Elapsed.TotalMilliseconds;
            if (!output.SameShape(target))
                throw new InvalidOperationException($"{name}: the model returned {output.ShapeText} for a {target.ShapeText} target");
            var baseline = task.Kind == RestorationKind.Denoise ? input : MatlabBicubic.Upscale(input, task.Scale);
            var restored = Measure(task, target, output);
            var degraded = Measure(task, target, baseline);
            rows.Add(new EvaluationRow(name, target.Width, target.Height, restored.Psnr, restored.Ssim, degraded.Psnr, degraded.Ssim, ms));
            if (saveOutputs is not null)
                ImageFile.SavePng(output, Path.Combine(saveOutputs, Path.ChangeExtension(name, ".png")));
        }
        return new EvaluationReport
        {
            Task = task.Slug,
            Images = rows.Count,
            Psnr = rows.Average(r => r.Psnr),
            Ssim = rows.Average(r => r.Ssim),
            InputPsnr = rows.Average(r => r.InputPsnr),
            InputSsim = rows.Average(r => r.InputSsim),
            MsPerImage = rows.Average(r => r.Milliseconds),
            Seed = seed,
            Protocol = Describe(task),
            Rows = rows,
        };
    }

    /// <summary>PSNR/SSIM by the task's convention.</summary>
    public static QualityScore Measure(RestorationTask task, PlanarImage target, PlanarImage output) =>
        task.Kind == RestorationKind.SuperResolution
            ? QualityMetrics.Measure(target, output, yChannel: true, shave: task.Scale)
            : QualityMetrics.Measure(target, output);

    /// <summary>Every image of a folder (recursive), with the wanted channel count.</summary>
    public static IReadOnlyList<(string Name, PlanarImage Clean)> LoadFolder(string folder, int channels, ImageLoadOptions? options = null)
    {
        var source = new ImageFolderSource(folder, options);
        return Enumerable.Range(0, source.Count).Select(i => (source.Name(i), source.Load(i, channels))).ToArray();
    }
}
