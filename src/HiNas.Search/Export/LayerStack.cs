using HiNas.Search.Operations;
using TorchSharp;
using static TorchSharp.torch;

namespace HiNas.Search.Export;

/// <summary>The graph of a plain stack of layers (the baselines' bodies): each Conv2d with the BatchNorm right after it folded in, and ReLU or LeakyReLU.</summary>
public static class LayerStack
{
    public static string Emit(IGraphEmitter g, IEnumerable<nn.Module> layers, string x)
    {
        var list = layers.ToList();
        for (var i = 0; i < list.Count; i++)
        {
            switch (list[i])
            {
                case TorchSharp.Modules.Conv2d conv:
                    var norm = i + 1 < list.Count ? list[i + 1] as ScalarFreeBatchNorm2d : null;
                    x = g.Conv(x, FoldedConv.From(conv, norm));
                    if (norm is not null) i++;
                    break;
                case TorchSharp.Modules.LeakyReLU relu:
                    x = g.LeakyRelu(x, relu.negative_slope);
                    break;
                case TorchSharp.Modules.ReLU:
                    x = g.Relu(x);
                    break;
                default:
                    throw new NotSupportedException($"layer {list[i].GetType().Name} has no graph to emit");
            }
        }
        return x;
    }
}
