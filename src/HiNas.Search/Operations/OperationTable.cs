using HiNas.Nas.Space;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace HiNas.Search.Operations;

/// <summary>
/// The module of an operation of the registry (<see cref="HiNas.Nas.Space.Operations"/>, as a space computes it), made
/// from its family, kernel and dilation: the one factory the search cell, the derived cell and the latency profiler use. Every module emits its
/// own inference graph (<see cref="Export.IExportable"/>). BatchNorm is affine-free during search and affine in
/// derived networks. "none" (zero) has no module: a mixed op leaves it out of the sum, since it adds nothing.
/// In the paper's cells every operation but skip begins with the LeakyReLU; in fused cells none does (the node
/// activates its sum: <see cref="CellForm"/>), and the skip is scaled (<see cref="ScaledIdentity"/>).
/// </summary>
public static class OperationTable
{
    /// <param name="convExpansion">fused cells' dense convolutions train as collapsible pairs this many times as wide (<see cref="CollapsibleConv"/>; 1: as served)</param>
    public static Module<Tensor, Tensor> Create(Operation op, long channels, bool affine, CellForm form, int convExpansion = 1)
    {
        if (convExpansion > 1 && form != CellForm.Fused) throw new ArgumentException($"convolutions train expanded in fused cells only, not in cells of the {form} form", nameof(convExpansion));
        var preActivated = form == CellForm.Paper;
        return op.Kind switch
        {
            OperationKind.Conv => preActivated ? new ReluConvBn(channels, channels, op.Kernel, affine, op.Dilation) : new ConvBn(channels, channels, op.Kernel, affine, op.Dilation, convExpansion),
            OperationKind.Separable => new SeparableConv(channels, op.Kernel, affine, preActivated),
            OperationKind.DilatedSeparable => new DilatedConv(channels, op.Kernel, op.Dilation, affine, preActivated),
            OperationKind.Skip => new Identity(),
            OperationKind.ScaledSkip => new ScaledIdentity(channels),
            _ => throw new ArgumentException($"'{op.Name}' has no module: it contributes zero", nameof(op)),
        };
    }

    /// <summary>
    /// The projection of a state of <paramref name="inChannels"/> onto a cell of <paramref name="outChannels"/> per node:
    /// LeakyReLU → 1×1 conv → BatchNorm in the paper's cells; in fused cells 1×1 conv → BatchNorm, or the state itself
    /// where the space does not project it (<see cref="SearchSpace.Projects"/>).
    /// </summary>
    public static Module<Tensor, Tensor> Projection(SearchSpace space, long inChannels, long outChannels, bool affine) =>
        space.Form == CellForm.Paper ? new ReluConvBn(inChannels, outChannels, 1, affine)
        : space.Projects((int)inChannels, (int)outChannels) ? new ConvBn(inChannels, outChannels, 1, affine)
        : new Identity();
}
