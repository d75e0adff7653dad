using HiNas.Imaging.Evaluation;
using HiNas.Imaging.Metrics;
using HiNas.Imaging.Pixels;
using HiNas.Imaging.Randomness;
using HiNas.Imaging.Tasks;
using HiNas.Search.Data;
using HiNas.Search.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using HiNas.Nas.Settings;

namespace HiNas.Search.Evaluation;

/// <summary>
/// Held-out images degraded once by the evaluation protocol (noise seeded per image; SR inputs from the
/// MATLAB-style bicubic of the HR image cropped to a multiple of the scale), measured the standard way:
/// PSNR on all channels for denoising, on Y with the border of `scale` pixels shaved for SR.
/// </summary>
public sealed class ValidationSet
{
    private readonly (PlanarImage Input, PlanarImage Target)[] _pairs;

    /// <param name="noiseMap">the network takes the noise-level plane after the image (<see cref="NoiseLevelMap"/>), at the task's σ</param>
    public ValidationSet(RestorationTask task, IReadOnlyList<PlanarImage> clean, ulong seed, bool noiseMap = false)
    {
        if (clean.Count == 0) throw new ArgumentException("the validation set is empty", nameof(clean));
        Task = task;
        _pairs = clean.Select((image, i) =>
        {
            var (input, target) = task.Degrade(image, DeterministicRandom.Derive(seed, (ulong)i));
            return (noiseMap ? NoiseLevelMap.Append(input, task.Sigma) : input, target);
        }).ToArray();
    }

    public RestorationTask Task { get; }

    public int Count => _pairs.Length;

    /// <summary>Mean PSNR (dB) of the network's outputs over the set; the network is run in eval mode.</summary>
    public double MeanPsnr(nn.Module<Tensor, Tensor> network, Device device)
    {
        var wasTraining = network.training;
        network.eval();
        try
        {
            using var noGrad = torch.no_grad();
            double sum = 0;
            foreach (var (input, target) in _pairs)
            {
                using var pause = GcPause.Begin();
                using var scope = torch.NewDisposeScope();
                var output = TensorImages.ToImage(network.call(TensorImages.ToTensor(input, device)));
                sum += Measure(target, output).Psnr;
            }
            return sum / _pairs.Length;
        }
        finally
        {
            network.train(wasTraining);
        }
    }

    public QualityScore Measure(PlanarImage target, PlanarImage output) => EvaluationProtocol.Measure(Task, target, output);
}
