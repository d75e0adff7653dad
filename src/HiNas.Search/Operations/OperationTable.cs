using HiNas.Nas.Space;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace HiNas.Search.Operations;

/// <summary>
/// The module of an operation of the registry (<see cref="HiNas.Nas.Space.Operations"/>, as a space computes it), made
/// from its family, kernel and dilation: the one factory the search cell, the derived cell and the latency profiler use. Every module emits its
/// own inference graph (<see cref="Export.IExportable"/>). BatchNorm is affine-free during search and affine in
/// derived networks. "none" (zero) has no module: a mixed op leaves it out of the sum, since it adds nothing.
/// </summary>
public static class OperationTable
{
    public static Module<Tensor, Tensor> Create(Operation op, long channels, bool affine) =>
        op.Kind switch
        {
            OperationKind.Conv => new ReluConvBn(channels, channels, op.Kernel, affine, op.Dilation),
            OperationKind.Separable => new SeparableConv(channels, op.Kernel, affine),
            OperationKind.DilatedSeparable => new DilatedConv(channels, op.Kernel, op.Dilation, affine),
            OperationKind.Skip => new Identity(),
            _ => throw new ArgumentException($"'{op.Name}' has no module: it contributes zero", nameof(op)),
        };
}
