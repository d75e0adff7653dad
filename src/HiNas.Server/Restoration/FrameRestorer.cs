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
/// The restoration work behind both RPCs: opens models from the repository (status errors naming the field), gives
/// frames their place at the engine fairly across callers (<see cref="InferenceScheduler"/>: a place covers a frame
/// from its conversion to float tensors until its output is back in bytes, so float buffers exist for at most
/// <see cref="PlacesPerInference"/> × <see cref="ServerOptions.MaxConcurrentInferences"/> frames), and runs the models
/// behind a gate of <see cref="ServerOptions.MaxConcurrentInferences"/> so that concurrent calls queue instead of
/// oversubscribing the cores.
/// </summary>
public sealed class FrameRestorer : IDisposable
{
    /// <summary>Places at the engine per concurrent inference: one frame converting in, one running, one converting out.</summary>
    public const int PlacesPerInference = 3;

    private readonly RunGate _gate;
    private readonly InferenceScheduler _scheduler;
    private readonly SemaphoreSlim _streams;
    private readonly SemaphoreSlim _restores;
    private readonly ServerMetrics _metrics;

    public FrameRestorer(ModelRepository repository, IOptions<ServerOptions> options, ServerMetrics metrics)
    {
        Repository = repository;
        Options = options.Value;
        _metrics = metrics;
        _gate = new RunGate(Options.MaxConcurrentInferences);
        _scheduler = new InferenceScheduler(PlacesPerInference * Options.MaxConcurrentInferences);
        Memory = new FrameMemory(Options.MaxHeldFrameBytes);
        metrics.Registry.AddBeforeCollectCallback(() =>
        {
            metrics.HeldFrameBytes.Set(Memory.Held);
            metrics.EngineWaiting.Set(_scheduler.Waiting);
        });
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

    /// <summary>The bytes of frames held by streams (<see cref="ServerOptions.MaxHeldFrameBytes"/>).</summary>
    public FrameMemory Memory { get; }

    /// <summary>The engine's places: held and waited for.</summary>
    public InferenceScheduler Scheduler => _scheduler;

    /// <summary>The model runs' slots (<see cref="ServerOptions.MaxConcurrentInferences"/>).</summary>
    public RunGate Gate => _gate;

    /// <summary>A frame's cost at the engine, for fair shares: the megapixels the model runs over.</summary>
    public static double Cost(RestorationModel model, FrameLayout layout) =>
        layout.Width * (double)layout.Height * (model.Channels == 1 ? FrameConverter.PlaneCount(layout.Format, 1) : 1) / 1e6;

    /// <summary>
    /// The most bytes a stream frame of <paramref name="inputBytes"/> keeps in memory at once: its pixels and its output
    /// (tightly packed, × the model's scale) until restored, then the output and its copy in the answer being sent.
    /// </summary>
    public static long HeldBytes(RestorationModel model, FrameLayout layout, long inputBytes)
    {
        var output = (long)layout.Width * model.Scale * layout.Height * model.Scale * layout.Format.BytesPerPixel();
        return output + Math.Max(inputBytes, output);
    }

    /// <summary>
    /// A request's σ for <paramref name="model"/> (<see cref="ModelManifest.SigmaProblem"/>: unset = the model's own; a
    /// σ only for a model that takes the noise level, within its range); INVALID_ARGUMENT naming <paramref name="field"/> otherwise.
    /// </summary>
    public static double? CheckSigma(RestorationModel model, string field, double? sigma) =>
        model.Manifest.SigmaProblem(sigma) is { } problem ? throw RpcErrors.Invalid(field, problem) : sigma;

    /// <summary>Waits for a place at the engine; null when <paramref name="startBy"/> passes first (see <see cref="InferenceScheduler.AdmitAsync"/>).</summary>
    public Task<InferenceScheduler.Admission?> AdmitAsync(string lane, double cost, long? startBy, CancellationToken cancellation) =>
        _scheduler.AdmitAsync(lane, cost, startBy, cancellation);

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
    /// Runs a prepared frame that holds <paramref name="place"/> behind the run gate; returns the milliseconds it waited
    /// (from <paramref name="arrived"/>, the <see cref="Stopwatch"/> timestamp of its arrival, less its own preparation),
    /// or null when it could not start by <paramref name="startBy"/> (it did not run).
    /// </summary>
    public async Task<double?> RunAsync(InferenceScheduler.Admission place, PreparedFrame frame, long arrived, long? startBy, CancellationToken cancellation)
    {
        using var run = await _gate.EnterAsync(place.Order, startBy, cancellation);
        if (run is null)
        {
            place.Refund();
            return null;
        }
        var queueMs = Math.Max(0, Stopwatch.GetElapsedTime(arrived).TotalMilliseconds - frame.PreprocessMs);
        InferenceEngine.Run(frame);
        return queueMs;
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (double Mean, double Deviation)> _msPerCost = new(StringComparer.Ordinal);

    /// <summary>
    /// Counts a restored frame in the metrics and in the model's work rate (conversions and model run per unit of
    /// <see cref="Cost"/>, over all callers): its moving mean and mean deviation, as TCP keeps a round-trip time.
    /// </summary>
    public void Record(RestorationModel model, double cost, FrameResult result, double queueMs)
    {
        _metrics.RecordRestored(model.Id, result.Timings, queueMs);
        if (cost <= 0) return;
        var rate = result.Timings.TotalMs / cost;
        _msPerCost.AddOrUpdate(model.Id, (rate, rate / 2), (_, old) => (0.9 * old.Mean + 0.1 * rate, 0.9 * old.Deviation + 0.1 * Math.Abs(rate - old.Mean)));
    }

    /// <summary>
    /// The work to set aside for a frame of <paramref name="cost"/> with <paramref name="model"/> so that it is done in
    /// time nearly always: the mean plus twice the mean deviation measured so far (0 before any).
    /// </summary>
    public double WorkMs(RestorationModel model, double cost) =>
        _msPerCost.TryGetValue(model.Id, out var rate) ? (rate.Mean + 2 * rate.Deviation) * cost : 0;

    /// <summary>Restores one raw frame of a unary call from <paramref name="lane"/>: a place at the engine first, conversions outside the gate, the model run inside it.</summary>
    public async Task<RestoredFrame> RestoreFrameAsync(string lane, RestorationModel model, ReadOnlyMemory<byte> pixels, FrameLayout layout, double? sigma, long arrived, CancellationToken cancellation)
    {
        using var place = (await _scheduler.AdmitAsync(lane, Cost(model, layout), null, cancellation))!;
        using var prepared = InferenceEngine.Prepare(model, pixels.Span, layout, sigma);
        var queueMs = (await RunAsync(place, prepared, arrived, null, cancellation))!.Value;
        var result = InferenceEngine.Finish(prepared, pixels.Span);
        Record(model, Cost(model, layout), result, queueMs);
        return new RestoredFrame(result, queueMs);
    }

    /// <summary>Restores a decoded image (planar, in [0, 1]).</summary>
    public async Task<(PlanarImage Image, StageTimings Timings, double QueueMs)> RestoreImageAsync(string lane, RestorationModel model, PlanarImage image, double? sigma, long arrived, CancellationToken cancellation)
    {
        using var place = (await _scheduler.AdmitAsync(lane, image.Width * (double)image.Height * image.Channels / model.Channels / 1e6, null, cancellation))!;
        using var run = (await _gate.EnterAsync(place.Order, null, cancellation))!;
        var queueMs = Stopwatch.GetElapsedTime(arrived).TotalMilliseconds;
        var clock = Stopwatch.StartNew();
        var restored = InferenceEngine.Restore(model, image, sigma);
        var timings = new StageTimings(0, clock.Elapsed.TotalMilliseconds, 0);
        _metrics.RecordRestored(model.Id, timings, queueMs);
        return (restored, timings, queueMs);
    }

    public void Dispose()
    {
        _streams.Dispose();
        _restores.Dispose();
    }
}
