using HiNas.Imaging.Tasks;
using TorchSharp;
using static TorchSharp.torch;

namespace HiNas.Search.Networks;

/// <summary>
/// Size and compute of a built network, read off its modules: parameters = every parameter element;
/// FLOPs per megapixel of output = 2 × multiply-adds of every convolution per output pixel. All convolutions
/// here are stride 1 at the input resolution (the LR image for SR) divided by the network's pixel-unshuffle r on each
/// side, so a conv with weight [O, I/g, k, k] costs O·(I/g)·k² multiply-adds per pixel it runs at, i.e. that divided
/// by (r·scale)² per output pixel. BatchNorm (folded at export), activations, additions and the bicubic upsampling
/// are not counted, nor the training-time branches the export folds into their convolution
/// (<see cref="Operations.PointwiseBranch"/>), and an expanded convolution (<see cref="Operations.CollapsibleConv"/>)
/// counts as the one it collapses to: the cost is the served network's.
/// </summary>
public sealed record NetworkCost(long Parameters, double FlopsPerMegapixel)
{
    public static NetworkCost Of(nn.Module<Tensor, Tensor> network, RestorationTask task)
    {
        var folded = network.named_modules().Where(m => m.module is Operations.PointwiseBranch or Operations.CollapsibleConv).Select(m => m.name + ".").ToArray();
        bool Served(string name) => !folded.Any(name.StartsWith);
        var collapsed = network.modules().OfType<Operations.CollapsibleConv>().Sum(c => c.ServedWeights);
        var parameters = network.named_parameters().Where(p => Served(p.name)).Sum(p => p.parameter.numel()) + collapsed;
        long macsPerConvPixel = collapsed;
        foreach (var (name, module) in network.named_modules())
            if (module is TorchSharp.Modules.Conv2d conv && Served(name))
                macsPerConvPixel += conv.weight!.numel();
        var pixelsPerConvPixel = Math.Pow(task.Scale * ((network as IRestorationNetwork)?.PixelUnshuffle ?? 1), 2);
        var flopsPerOutputPixel = 2.0 * macsPerConvPixel / pixelsPerConvPixel;
        return new NetworkCost(parameters, flopsPerOutputPixel * 1e6);
    }
}
