using static TorchSharp.torch;

namespace HiNas.Search.Runtime;

/// <summary>
/// Switches gradients off for parameters an update does not change, for the span of its forward and backward: a
/// first-order architecture step needs no weight gradients, a weight step no α/β gradients. Autograd then neither
/// computes them nor keeps the tensors only they would need (e.g. each operation's output, kept for α's gradient),
/// which saves time and memory and leaves the update itself unchanged.
/// </summary>
public sealed class FrozenParameters : IDisposable
{
    private readonly TorchSharp.Modules.Parameter[] _parameters;

    private FrozenParameters(TorchSharp.Modules.Parameter[] parameters)
    {
        _parameters = parameters;
        foreach (var p in _parameters) p.requires_grad = false;
    }

    public static FrozenParameters Of(IEnumerable<TorchSharp.Modules.Parameter> parameters) => new(parameters.ToArray());

    public void Dispose()
    {
        foreach (var p in _parameters) p.requires_grad = true;
    }
}
