using System.Diagnostics;
using HiNas.Imaging.Pixels;
using HiNas.Inference.Engine;
using HiNas.Inference.Frames;
using HiNas.Inference.Packages;
using HiNas.Inference.Repository;
using HiNas.Server.Hosting;
using HiNas.Server.Observability;
using HiNas.Server.Rpc;
using Microsoft.Extensions.Options;

namespace HiNas.Server.Restoration;

/// <summary>A restored frame with the server time it spent waiting before restoration began.</summary>
public sealed record RestoredFrame(FrameResult Frame, double QueueMs)
{
    public double TotalMs => QueueMs + Frame.Timings.TotalMs;
}

/// <summary>
/// The restoration work behind both RPCs: opens models from the repository (status errors naming the field),
/// and runs frames through the inference engine behind a gate of <see cref="ServerOptions.MaxConcurrentInferences"/>
/// so that concurrent calls queue instead of oversubscribing the cores.
/// </summary>
public sealed class FrameRestorer : IDisposable
{
    private readonly SemaphoreSlim _gate;
    private readonly SemaphoreSlim _streams;
    private readonly SemaphoreSlim _restores;
    private readonly ServerMetrics _metrics;

    public FrameRestorer(ModelRepository repository, IOptions<ServerOptions> options, ServerMetrics metrics)
    {
        Repository = repository;
        Options = options.Value;
        _metrics = metrics;
        _gate = new SemaphoreSlim(Options.MaxConcurrentInferences);
        _streams = new SemaphoreSlim(Options.MaxStreams);
        _restores = new SemaphoreSlim(Options.MaxWaitingRestores);
    }

    /// <summary>A place for one more stream, held until disposed; RESOURCE_EXHAUSTED naming the limit when all are taken.</summary>
    public IDisposable EnterStream() => Enter(_streams, "streams", $"the server serves at most {Options.MaxStreams} streams at once (HiNas:MaxStreams); try again later");

    /// <summary>A place for one more unary restore, taken before its frame is decoded or converted; RESOURCE_EXHAUSTED when all are taken.</summary>
    public IDisposable EnterRestore() =>
        Enter(_restores, "restores", $"the server restores at most {Options.MaxWaitingRestores} unary frames at once, waiting ones included (HiNas:MaxWaitingRestores); try again later");

    private static IDisposable Enter(SemaphoreSlim slots, string field, string message) =>
        slots.Wait(0) ? new Slot(slots) : throw RpcErrors.TooLarge(field, message);

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) slots.Release();
        }
    }

    public ModelRepository Repository { get; }
    public ServerOptions Options { get; }

    /// <summary>The served model <paramref name="id"/>: NOT_FOUND when there is none, FAILED_PRECONDITION when its package is broken.</summary>
    public RestorationModel OpenModel(string field, string id)
    {
        if (string.IsNullOrEmpty(id)) throw RpcErrors.Invalid(field, "is empty; name a model (ListModels shows them)");
        if (!ModelId.IsValid(id)) throw RpcErrors.Invalid(field, $"'{id}' is not a model id ({ModelId.Rule})");
        try
        {
            return Repository.Get(id);
        }
        catch (KeyNotFoundException)
        {
            var known = string.Join(", ", Repository.List().Select(m => m.Id));
            throw RpcErrors.NotFound(field, $"no model '{id}' (served: {(known.Length > 0 ? known : "none")})");
        }
        catch (ModelPackageException e)
        {
            throw RpcErrors.Precondition(field, $"model '{id}' cannot be served: {e.Reason}");
        }
    }

    /// <summary>
    /// Runs a prepared frame behind the gate; returns the milliseconds it waited (from <paramref name="arrived"/>,
    /// the <see cref="Stopwatch"/> timestamp of its arrival, less its own preparation).
    /// </summary>
    public async Task<double> RunAsync(PreparedFrame frame, long arrived, CancellationToken cancellation)
    {
        await _gate.WaitAsync(cancellation);
        try
        {
            var queueMs = Math.Max(0, Stopwatch.GetElapsedTime(arrived).TotalMilliseconds - frame.PreprocessMs);
            InferenceEngine.Run(frame);
            return queueMs;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Counts a restored frame in the metrics.</summary>
    public void Record(string model, FrameResult result, double queueMs) => _metrics.RecordRestored(model, result.Timings, queueMs);

    /// <summary>Restores one raw frame: conversions outside the gate, the model run inside it.</summary>
    public async Task<RestoredFrame> RestoreFrameAsync(RestorationModel model, ReadOnlyMemory<byte> pixels, FrameLayout layout, long arrived, CancellationToken cancellation)
    {
        using var prepared = InferenceEngine.Prepare(model, pixels.Span, layout);
        var queueMs = await RunAsync(prepared, arrived, cancellation);
        var result = InferenceEngine.Finish(prepared, pixels.Span);
        Record(model.Id, result, queueMs);
        return new RestoredFrame(result, queueMs);
    }

    /// <summary>Restores a decoded image (planar, in [0, 1]).</summary>
    public async Task<(PlanarImage Image, StageTimings Timings, double QueueMs)> RestoreImageAsync(RestorationModel model, PlanarImage image, long arrived, CancellationToken cancellation)
    {
        await _gate.WaitAsync(cancellation);
        try
        {
            var queueMs = Stopwatch.GetElapsedTime(arrived).TotalMilliseconds;
            var clock = Stopwatch.StartNew();
            var restored = InferenceEngine.Restore(model, image);
            var timings = new StageTimings(0, clock.Elapsed.TotalMilliseconds, 0);
            _metrics.RecordRestored(model.Id, timings, queueMs);
            return (restored, timings, queueMs);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        _gate.Dispose();
        _streams.Dispose();
        _restores.Dispose();
    }
}
