using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;

namespace HiNas.Inference.Engine;

/// <summary>Which ONNX Runtime graph optimisation level a session runs with.</summary>
public enum GraphOptimization
{
    /// <summary>
    /// The faster of <see cref="Extended"/> and <see cref="All"/> on this model, timed when the session opens
    /// (<see cref="GraphOptimizer"/>). The level that wins depends on the network: the NCHWc layout that only
    /// <see cref="All"/> applies pays reorders around every convolution, which cost more than they save on the narrow
    /// networks here (the default denoisers run 1.4–1.5× slower with it) and less on wider ones.
    /// </summary>
    Measured,

    /// <summary>ORT_ENABLE_ALL: extended plus the NCHWc layout transformation.</summary>
    All,

    /// <summary>ORT_ENABLE_EXTENDED: fusions (Conv + activation, …) without the layout change.</summary>
    Extended,

    /// <summary>ORT_ENABLE_BASIC: constant folding and redundant-node removal only.</summary>
    Basic,
}

/// <summary>The level a session was opened with, and the timings that chose it (empty unless measured).</summary>
public sealed record GraphOptimizationChoice(GraphOptimizationLevel Level, IReadOnlyDictionary<GraphOptimizationLevel, double> MeasuredMilliseconds)
{
    /// <summary>The frame the levels were timed on (its image inputs; a part's at their fraction of it).</summary>
    public GraphOptimizer.Probe ProbedOn { get; init; } = GraphOptimizer.DefaultProbe;

    public override string ToString() => MeasuredMilliseconds.Count == 0
        ? $"{GraphOptimizer.Name(Level)} (set)"
        : $"{GraphOptimizer.Name(Level)} (measured: {string.Join(", ", MeasuredMilliseconds.Select(m => $"{GraphOptimizer.Name(m.Key)} {m.Value:F1} ms"))} on a {ProbedOn} input)";
}

/// <summary>
/// Opens ONNX Runtime sessions at a <see cref="GraphOptimization"/>: a fixed level, or the faster of the candidate
/// levels timed on the model itself — every image input fed a random image of the frame the session is for (a
/// <see cref="Probe"/>: a latency measurement's resolution, a package's measured latency's, else
/// <see cref="DefaultProbe"/>), the median of <see cref="ProbeRuns"/> runs after a warm-up run, the levels taking
/// turns. The frame's size matters: the levels' costs do not grow alike with the pixels — an int8 network's
/// transposes at the extended level, memory-bound, cost 1.5× its time at 640×360 and a few percent at 320×180, where
/// the tensors fit the caches, so a smaller probe chose either level by its noise (bench/latency). Serving and every
/// latency measurement open their sessions here, so a recorded latency is what the served model runs at.
/// </summary>
public static class GraphOptimizer
{
    public const int ProbeRuns = 7;

    /// <summary>The frame a session's levels are timed on.</summary>
    public readonly record struct Probe(int Width, int Height)
    {
        public override string ToString() => $"{Width}×{Height}";
    }

    /// <summary>A 640×360 frame, the size the service's frame-time figures are about.</summary>
    public static readonly Probe DefaultProbe = new(640, 360);

    private static readonly GraphOptimizationLevel[] Candidates = [GraphOptimizationLevel.ORT_ENABLE_EXTENDED, GraphOptimizationLevel.ORT_ENABLE_ALL];

    /// <summary>
    /// A session over <paramref name="model"/> (a path or the graph's bytes) with <paramref name="configure"/>'s
    /// options at the chosen level. When measuring, on <paramref name="probe"/> (default <see cref="DefaultProbe"/>),
    /// the losing session is disposed; <paramref name="divisorOf"/> gives an input fed at a fraction of the probe's
    /// sides (a part of a frame-time network that runs at 1/r of each side).
    /// </summary>
    public static (InferenceSession Session, GraphOptimizationChoice Choice) Open(ModelSource model, GraphOptimization optimization, Action<SessionOptions>? configure = null,
        Func<string, int>? divisorOf = null, Probe? probe = null)
    {
        var on = probe ?? DefaultProbe;
        if (on.Width < 1 || on.Height < 1) throw new ArgumentOutOfRangeException(nameof(probe), on, "a probe frame has at least one pixel each way");
        if (optimization != GraphOptimization.Measured)
        {
            var level = Level(optimization);
            return (Create(model, level, configure), new GraphOptimizationChoice(level, new Dictionary<GraphOptimizationLevel, double>()));
        }
        var sessions = new List<(GraphOptimizationLevel Level, InferenceSession Session)>();
        try
        {
            foreach (var level in Candidates) sessions.Add((level, Create(model, level, configure)));
            var times = Time(sessions.Select(s => s.Session).ToArray(), divisorOf ?? (_ => 1), on);
            var best = Enumerable.Range(0, sessions.Count).MinBy(i => times[i]);
            foreach (var (_, other) in sessions.Where((_, i) => i != best)) other.Dispose();
            return (sessions[best].Session, new GraphOptimizationChoice(sessions[best].Level,
                sessions.Select((s, i) => (s.Level, times[i])).ToDictionary(t => t.Level, t => t.Item2)) { ProbedOn = on });
        }
        catch
        {
            foreach (var (_, session) in sessions) session.Dispose();
            throw;
        }
    }

    public static GraphOptimizationLevel Level(GraphOptimization optimization) => optimization switch
    {
        GraphOptimization.All => GraphOptimizationLevel.ORT_ENABLE_ALL,
        GraphOptimization.Extended => GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
        GraphOptimization.Basic => GraphOptimizationLevel.ORT_ENABLE_BASIC,
        _ => throw new ArgumentOutOfRangeException(nameof(optimization), optimization, "a measured choice has no level of its own"),
    };

    /// <summary>The fixed choice of <paramref name="level"/> (to reopen a measured choice without measuring again).</summary>
    public static GraphOptimization Of(GraphOptimizationLevel level) => level switch
    {
        GraphOptimizationLevel.ORT_ENABLE_ALL => GraphOptimization.All,
        GraphOptimizationLevel.ORT_ENABLE_EXTENDED => GraphOptimization.Extended,
        GraphOptimizationLevel.ORT_ENABLE_BASIC => GraphOptimization.Basic,
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, "no choice runs without graph optimisation"),
    };

    public static string Name(GraphOptimizationLevel level) => level switch
    {
        GraphOptimizationLevel.ORT_ENABLE_ALL => "all",
        GraphOptimizationLevel.ORT_ENABLE_EXTENDED => "extended",
        GraphOptimizationLevel.ORT_ENABLE_BASIC => "basic",
        _ => "none",
    };

    private static InferenceSession Create(ModelSource model, GraphOptimizationLevel level, Action<SessionOptions>? configure)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = level };
        Int8Weights.ExactOnThisCpu(options); // int8 weights multiplied as the graph says on this CPU
        configure?.Invoke(options);
        return model.Path is { } path ? new InferenceSession(path, options) : new InferenceSession(model.Bytes!, options);
    }

    /// <summary>
    /// The median of <see cref="ProbeRuns"/> runs of each session (the same graph at different levels) on one set of
    /// random inputs of the probe's size (<see cref="TimingTensors"/>), after a run of each untimed; the sessions take turns run by run, so
    /// that a neighbour's load on a shared machine falls on all of them alike.
    /// </summary>
    private static double[] Time(IReadOnlyList<InferenceSession> sessions, Func<string, int> divisorOf, Probe probe)
    {
        var first = sessions[0];
        var random = new Random(1);
        var names = first.InputNames.ToArray();
        var outputs = first.OutputNames.ToArray();
        var values = names.Select(name =>
        {
            var dims = first.InputMetadata[name].Dimensions;
            if (dims.Length != 4) throw new NotSupportedException($"input '{name}' is not an NCHW image; its graph optimisation cannot be measured");
            // an input of fixed shape (a denoiser's noise level, [1, 1, 1, 1]) is given that shape; images the probe's size
            var (h, w) = (Math.Max(1, probe.Height / divisorOf(name)), Math.Max(1, probe.Width / divisorOf(name)));
            var shape = dims.All(d => d > 0) ? dims.Select(d => (long)d).ToArray()
                : dims[1] <= 0 && dims[3] > 0 ? new long[] { 1, h, w, dims[3] } // channels last (a timed int8 part's values)
                : new long[] { 1, dims[1] > 0 ? dims[1] : 1, h, w };
            return TimingTensors.Random(first.InputMetadata[name], shape, random);
        }).ToArray();
        try
        {
            using var runOptions = new RunOptions();
            foreach (var session in sessions) using (session.Run(runOptions, names, values, outputs)) { }
            var times = sessions.Select(_ => new double[ProbeRuns]).ToArray();
            for (var r = 0; r < ProbeRuns; r++)
                for (var k = 0; k < sessions.Count; k++)
                {
                    var clock = Stopwatch.StartNew();
                    using (sessions[k].Run(runOptions, names, values, outputs)) { }
                    times[k][r] = clock.Elapsed.TotalMilliseconds;
                }
            return times.Select(t => t.Order().ElementAt(t.Length / 2)).ToArray();
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }
}

/// <summary>An ONNX graph by path or by its bytes.</summary>
public sealed record ModelSource(string? Path, byte[]? Bytes)
{
    public static ModelSource File(string path) => new(path, null);
    public static ModelSource Memory(byte[] bytes) => new(null, bytes);
}
