using TorchSharp;
using static TorchSharp.torch;

namespace HiNas.Search.Networks;

/// <summary>
/// Modules by layer index, only for the layers that have one (<see cref="HiNas.Nas.Genotypes.LayerLiveness"/>), each
/// registered under its layer's index as a ModuleList would name it ("cells.3."), so a network without dead layers
/// names its parameters as before. (TorchSharp's ModuleDict cannot be moved to another dtype: its two indexers break
/// Module.to.)
/// </summary>
public sealed class LayerModules<T> : nn.Module where T : nn.Module
{
    private readonly Dictionary<int, T> _byLayer = new();

    public LayerModules() : base(nameof(LayerModules<T>)) { }

    public void Add(int layer, T module)
    {
        _byLayer.Add(layer, module);
        register_module($"{layer}", module);
    }

    /// <summary>Layer <paramref name="layer"/>'s module, or false where the layer has none.</summary>
    public bool TryGet(int layer, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out T module) => _byLayer.TryGetValue(layer, out module);
}
