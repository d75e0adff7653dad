using HiNas.Imaging.Evaluation;
using HiNas.Imaging.Pixels;
using HiNas.Imaging.Tasks;
using HiNas.Search.Data;
using HiNas.Search.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using HiNas.Nas.Settings;

namespace HiNas.Search.Evaluation;

/// <summary>
/// Restores images with a TorchSharp network in eval mode, one whole image per forward pass; a network told the noise
/// (<see cref="Networks.IRestorationNetwork.NoiseMap"/>) gets the noise-level plane of the σ given (null: the task's).
/// </summary>
public sealed class TorchRestorer(nn.Module<Tensor, Tensor> network, RestorationTask task, Device device) : IImageRestorer
{
    public RestorationTask Task => task;

    public PlanarImage Restore(PlanarImage input, double? sigma = null)
    {
        if (network is Networks.IRestorationNetwork { NoiseMap: true }) input = NoiseLevelMap.Append(input, sigma ?? task.Sigma);
        network.eval();
        using var pause = GcPause.Begin();
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        return TensorImages.ToImage(network.call(TensorImages.ToTensor(input, device)));
    }
}
