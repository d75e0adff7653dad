using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using HiNas.Nas.Space;

namespace HiNas.Search.Operations;

/// <summary>
/// Operation name → module, the one table used by the search cell and the derived cell. All operations keep
/// the channel count and the spatial size (stride 1). BatchNorm is affine-free during search and affine in
/// derived networks. "none" (zero) has no module: a mixed op leaves it out of the sum, since it adds nothing.
/// </summary>
public static class OperationTable
{
    public static Module<Tensor, Tensor> Create(string name, long channels, bool affine) => name switch
    {
        OperationNames.Conv3x3 => new ReluConvBn(channels, channels, 3, affine),
        OperationNames.SepConv3x3 => new SeparableConv(channels, 3, affine),
        OperationNames.SepConv5x5 => new SeparableConv(channels, 5, affine),
        OperationNames.DilConv3x3 => new DilatedConv(channels, 3, 2, affine),
        OperationNames.DilConv5x5 => new DilatedConv(channels, 5, 2, affine),
        OperationNames.Skip => new Identity(),
        OperationNames.None => throw new ArgumentException("'none' has no module: it contributes zero", nameof(name)),
        _ => throw new ArgumentException($"unknown operation '{name}' (known: {string.Join(", ", OperationNames.All)})", nameof(name)),
    };
}
