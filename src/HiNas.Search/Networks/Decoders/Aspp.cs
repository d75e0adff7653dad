using HiNas.Search.Export;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace HiNas.Search.Networks.Decoders;

/// <summary>
/// Atrous spatial pyramid pooling without the global-pooling branch, as the official code's super-resolution decoder
/// uses it: a 1×1 unit and one separable 3×3 unit per dilation rate (2, 4, 6), each to the output channels, concatenated
/// and merged by a 1×1 unit.
/// </summary>
public sealed class Aspp : Module<Tensor, Tensor>, IExportable
{
    public static readonly IReadOnlyList<int> Rates = new[] { 2, 4, 6 };

    private readonly ConvBnAct pointwise;
    private readonly TorchSharp.Modules.ModuleList<SeparableConvBnAct> atrous;
    private readonly ConvBnAct merge;

    public Aspp(long inChannels, long outChannels) : base(nameof(Aspp))
    {
        pointwise = new ConvBnAct(inChannels, outChannels);
        atrous = new TorchSharp.Modules.ModuleList<SeparableConvBnAct>();
        foreach (var rate in Rates) atrous.Add(new SeparableConvBnAct(inChannels, outChannels, rate));
        merge = new ConvBnAct(outChannels * (Rates.Count + 1), outChannels);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var branches = atrous.Select(a => a.call(x)).Append(pointwise.call(x)).ToArray();
        return merge.call(torch.cat(branches, 1)).MoveToOuterDisposeScope();
    }

    public string Emit(IGraphEmitter g, string x) =>
        merge.Emit(g, g.Concat(atrous.Select(a => a.Emit(g, x)).Append(pointwise.Emit(g, x)).ToArray()));
}
