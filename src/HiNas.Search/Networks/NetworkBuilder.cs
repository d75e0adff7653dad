using HiNas.Imaging.Tasks;
using HiNas.Nas.Settings;
using HiNas.Search.Baselines;
using HiNas.Nas.Space;
using static TorchSharp.torch;

namespace HiNas.Search.Networks;

/// <summary>An <see cref="ArchitectureSpec"/> (plain data in the torch-free core) made into its TorchSharp network.</summary>
public static class NetworkBuilder
{
    /// <summary>Builds the (untrained) network for <paramref name="task"/>.</summary>
    public static nn.Module<Tensor, Tensor> Build(this ArchitectureSpec spec, RestorationTask task) => spec.Kind switch
    {
        ArchitectureSpec.GenotypeKind or ArchitectureSpec.RandomKind =>
            new DerivedNetwork(spec.NetworkGenotype ?? throw new InvalidOperationException($"a '{spec.Kind}' architecture needs its genotype"), spec.EffectiveHead),
        ArchitectureSpec.DnCnnKind => new DnCnn(task, spec.DepthOrDefault, spec.WidthOrDefault),
        ArchitectureSpec.EspcnKind => new Espcn(task, spec.DepthOrDefault, spec.WidthOrDefault),
        ArchitectureSpec.FsrcnnKind => new Fsrcnn(task, spec.DepthOrDefault, spec.WidthOrDefault, Math.Max(4, (int)Math.Round(spec.WidthOrDefault * 12.0 / 56))),
        _ => throw new InvalidOperationException($"unknown architecture kind '{spec.Kind}'"),
    };
}
