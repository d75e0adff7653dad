using HiNas.Search.Operations;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace HiNas.Search.Baselines;

/// <summary>
/// The activation of the baselines' plain layer stacks: LeakyReLU(<see cref="ReluConvBn.Slope"/>) in place. In those
/// stacks it always follows a convolution or a BatchNorm, whose backward reads their inputs, never their outputs,
/// so overwriting the output saves a tensor per layer (libtorch's version counters would refuse it otherwise).
/// </summary>
public static class StackActivation
{
    public static Module<Tensor, Tensor> Create() => LeakyReLU(ReluConvBn.Slope, inplace: true);
}
