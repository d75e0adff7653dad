using HiNas.Inference.Engine;
using Prometheus;

namespace HiNas.Server.Observability;

/// <summary>
/// The service's Prometheus metrics (served as text on the metrics endpoint's /metrics). One instance per
/// server, on its own registry, so that two servers in one process (tests) do not share counters.
/// </summary>
public sealed class ServerMetrics
{
    private static readonly double[] LatencyBuckets = Histogram.ExponentialBuckets(0.25, 2, 14); // 0.25 ms … 2 s

    public ServerMetrics()
    {
        Registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(Registry);
        Frames = factory.CreateCounter("hinas_frames_total", "Frames answered, by model and outcome (restored, dropped).", "model", "outcome");
        StageMilliseconds = factory.CreateHistogram("hinas_frame_stage_milliseconds", "Per-stage server time of restored frames and images.",
            new HistogramConfiguration { LabelNames = new[] { "model", "stage" }, Buckets = LatencyBuckets });
        Dropped = factory.CreateCounter("hinas_frames_dropped_total", "Stream frames answered as dropped, by model and reason (newer_frame, deadline).", "model", "reason");
        ActiveStreams = factory.CreateGauge("hinas_active_streams", "RestoreStream calls in progress.");
        HeldFrameBytes = factory.CreateGauge("hinas_stream_frame_bytes", "Bytes of frames held by streams (bounded by HiNas:MaxHeldFrameBytes, plus one frame per stream).");
        EngineWaiting = factory.CreateGauge("hinas_engine_waiting_frames", "Frames waiting for a place at the inference engine.");
        RpcErrors = factory.CreateCounter("hinas_rpc_errors_total", "Calls that ended with a non-OK status, by method and status code.", "method", "code");
        JobStates = factory.CreateGauge("hinas_jobs", "Jobs by state.", "state");
        JobsFinished = factory.CreateCounter("hinas_jobs_finished_total", "Jobs that reached a final state.", "state");
    }

    public CollectorRegistry Registry { get; }
    public Counter Frames { get; }
    public Histogram StageMilliseconds { get; }
    public Counter Dropped { get; }
    public Gauge ActiveStreams { get; }
    public Gauge HeldFrameBytes { get; }
    public Gauge EngineWaiting { get; }
    public Counter RpcErrors { get; }
    public Gauge JobStates { get; }
    public Counter JobsFinished { get; }

    public void RecordRestored(string model, StageTimings timings, double queueMs)
    {
        Frames.WithLabels(model, "restored").Inc();
        StageMilliseconds.WithLabels(model, "queue").Observe(queueMs);
        StageMilliseconds.WithLabels(model, "preprocess").Observe(timings.PreprocessMs);
        StageMilliseconds.WithLabels(model, "inference").Observe(timings.InferenceMs);
        StageMilliseconds.WithLabels(model, "postprocess").Observe(timings.PostprocessMs);
        StageMilliseconds.WithLabels(model, "total").Observe(queueMs + timings.TotalMs);
    }

    public void RecordDropped(string model, Protocol.V1.DropReason reason)
    {
        Frames.WithLabels(model, "dropped").Inc();
        Dropped.WithLabels(model, reason == Protocol.V1.DropReason.Deadline ? "deadline" : "newer_frame").Inc();
    }
}
