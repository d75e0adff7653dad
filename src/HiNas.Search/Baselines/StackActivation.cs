using HiNas.Search.Operations;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace HiNas.Search.Baselines;

/// <summary>
/// The activations of the baselines' plain layer stacks, in place. In those stacks an activation always follows a
/// convolution or a BatchNorm, whose backward reads their inputs, never their outputs, so overwriting the output saves
/// a tensor per layer (libtorch's version counters would refuse it otherwise).
/// </summary>
public static class StackActivation
{
    /// <summary>LeakyReLU(<see cref="ReluConvBn.Slope"/>), the paper space's activation: ESPCN's and FSRCNN's stacks.</summary>
    public static Module<Tensor, Tensor> Create() => LeakyReLU(ReluConvBn.Slope, inplace: true);

    /// <summary>
    /// ReLU, as DnCNN's and FFDNet's papers have it. By measurement (bench/latency, the front's recipe, three seeds):
    /// FFDNet 4 × 48 trains to 28.86 dB with it against 28.69 with LeakyReLU(0.2), which these stacks had before.
    /// </summary>
    public static Module<Tensor, Tensor> Relu() => ReLU(inplace: true);
}
