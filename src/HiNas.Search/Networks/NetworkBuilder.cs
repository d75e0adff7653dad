using HiNas.Imaging.Tasks;
using HiNas.Nas.Settings;
using HiNas.Search.Baselines;
using HiNas.Nas.Space;
using static TorchSharp.torch;

namespace HiNas.Search.Networks;

/// <summary>An <see cref="ArchitectureSpec"/> (plain data in the torch-free core) made into its TorchSharp network.</summary>
public static class NetworkBuilder
{
    /// <summary>The (untrained) network a training's options describe: its architecture, for its task, told the noise or not.</summary>
    public static nn.Module<Tensor, Tensor> BuildNetwork(this TrainOptions options) => options.Architecture.Build(options.Task, options.NoiseMap);

    /// <summary>Builds the (untrained) network for <paramref name="task"/>; <paramref name="noiseMap"/>: a denoiser told the noise (<see cref="IRestorationNetwork.NoiseMap"/>).</summary>
    public static nn.Module<Tensor, Tensor> Build(this ArchitectureSpec spec, RestorationTask task, bool noiseMap = false) => spec.Kind switch
    {
        ArchitectureSpec.GenotypeKind or ArchitectureSpec.RandomKind =>
            new DerivedNetwork(spec.NetworkGenotype ?? throw new InvalidOperationException($"a '{spec.Kind}' architecture needs its genotype"), spec.EffectiveHead, noiseMap, spec.EffectiveConvExpansion),
        ArchitectureSpec.DnCnnKind => new DnCnn(task, spec.DepthOrDefault, spec.WidthOrDefault, noiseMap, relu: spec.EffectiveActivation == ArchitectureSpec.ReluActivation),
        ArchitectureSpec.FfdnetKind => new DnCnn(task, spec.DepthOrDefault, spec.WidthOrDefault, noiseMap, pixelUnshuffle: 2, relu: spec.EffectiveActivation == ArchitectureSpec.ReluActivation),
        _ when noiseMap => throw new ArgumentException($"a noise-level map is for denoisers; {spec.Kind} is an upscaler"),
        ArchitectureSpec.EspcnKind => new Espcn(task, spec.DepthOrDefault, spec.WidthOrDefault),
        ArchitectureSpec.FsrcnnKind => new Fsrcnn(task, spec.DepthOrDefault, spec.WidthOrDefault, Math.Max(4, (int)Math.Round(spec.WidthOrDefault * 12.0 / 56))),
        _ => throw new InvalidOperationException($"unknown architecture kind '{spec.Kind}'"),
    };
}
