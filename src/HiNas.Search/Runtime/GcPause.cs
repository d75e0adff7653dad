using System.Runtime;

namespace HiNas.Search.Runtime;

/// <summary>
/// Holds off garbage collection for the span of one training or inference step. TorchSharp 0.107 modules and
/// operators (LeakyReLU, BatchNorm, <c>a + b</c>, …) pass temporary <c>Scalar</c> wrappers to libtorch without keeping
/// them reachable; a GC during the native call lets the finalizer free one that libtorch is still reading, and the
/// process aborts ("Expected false to be true … Scalar.h"). With no GC inside the step, no temporary of the step can
/// be finalized before the step's native calls have returned. Steps allocate little managed memory (tensor
/// wrappers and the batch); if one allocates more than the budget the runtime simply collects as usual.
/// </summary>
public readonly struct GcPause : IDisposable
{
    /// <summary>Managed bytes a step may allocate inside the pause.</summary>
    public const long Budget = 64L * 1024 * 1024;

    private readonly bool _started;

    private GcPause(bool started) => _started = started;

    public static GcPause Begin()
    {
        try
        {
            return new GcPause(GC.TryStartNoGCRegion(Budget));
        }
        catch (InvalidOperationException)
        {
            return new GcPause(false); // already inside a pause (nested step)
        }
    }

    public void Dispose()
    {
        if (_started && GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
        {
            try
            {
                GC.EndNoGCRegion();
            }
            catch (InvalidOperationException)
            {
                // The step outgrew the budget and the runtime collected: nothing to end.
            }
        }
    }
}
