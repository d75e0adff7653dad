using HiNas.Imaging.Tasks;
using HiNas.Inference.Packages;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;

namespace HiNas.Inference.Engine;

/// <summary>
/// One served model: a long-lived ONNX Runtime session over a package's graph, checked against its manifest
/// (input/output names, channels, scale — by a probe run), with input/output buffers and OrtValues reused per
/// tensor shape from a bounded pool (<see cref="TensorBufferPool"/>; concurrent frames never share a set). Restores
/// planar images, in tiles when they are large. Thread-safe.
/// </summary>
public sealed class RestorationModel : IDisposable
{
    private readonly InferenceSession _session;
    private readonly TensorBufferPool _pool;
    private readonly bool _ownsPool;
    private readonly TileOptions _tiles;

    private RestorationModel(ModelPackage package, InferenceSession session, string provider, TileOptions tiles, TensorBufferPool? pool)
    {
        Package = package;
        _session = session;
        ExecutionProvider = provider;
        _tiles = tiles;
        _ownsPool = pool is null;
        _pool = pool ?? new TensorBufferPool();
    }

    public ModelPackage Package { get; }
    public ModelManifest Manifest => Package.Manifest;
    public string Id => Package.Id;
    public int Channels => Manifest.Channels;
    public int Scale => Manifest.Scale;

    /// <summary>"CUDA" or "CPU".</summary>
    public string ExecutionProvider { get; }

    /// <summary>
    /// Opens the package's graph; throws <see cref="ModelPackageException"/> when it is corrupt or disagrees with the manifest.
    /// <paramref name="spinWait"/>: ONNX Runtime's intra-op threads spin for a while after each run (its default, best
    /// for back-to-back runs in one thread); a server turns it off so that the threads converting and transferring
    /// the next frame get the cores.
    /// </summary>
    /// <paramref name="pool"/>: the buffers shared with the repository's other models (null: a pool of the model's own).
    /// <paramref name="optimization"/>: ONNX Runtime's graph optimisation level, by default the faster one on this
    /// model (<see cref="GraphOptimizer"/>, timed on a frame of the size its manifest's latency was measured at, else
    /// 640×360; with CUDA, all). <paramref name="threads"/>: intra-op threads
    /// (<see cref="OrtThreads"/>; 0, one per processor).
    public static RestorationModel Open(ModelPackage package, TileOptions? tiles = null, bool preferCuda = true, ILogger? logger = null, bool spinWait = true,
        TensorBufferPool? pool = null, GraphOptimization optimization = GraphOptimization.Measured, int threads = 0)
    {
        var intraOpThreads = OrtThreads.Resolve(threads);
        tiles ??= new TileOptions();
        tiles.Validate();
        var provider = Provider(preferCuda, logger);
        if (provider == "CUDA" && optimization == GraphOptimization.Measured) optimization = GraphOptimization.All;
        InferenceSession session;
        GraphOptimizationChoice choice;
        try
        {
            (session, choice) = GraphOptimizer.Open(ModelSource.File(package.ModelPath), optimization, options =>
            {
                if (provider == "CUDA") options.AppendExecutionProvider_CUDA();
                options.IntraOpNumThreads = intraOpThreads;
                if (!spinWait) options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
            }, probe: ProbeFor(package.Manifest, tiles));
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelPackageException(package.Folder, $"{ModelPackage.ModelFile} is not a loadable ONNX model (ONNX Runtime's reason is in the server log)", e);
        }
        catch (NotSupportedException e)
        {
            throw new ModelPackageException(package.Folder, $"{ModelPackage.ModelFile}: {e.Message}", e);
        }
        var model = new RestorationModel(package, session, provider, tiles, pool) { Optimization = choice };
        try
        {
            model.CheckAgainstManifest();
        }
        catch
        {
            model.Dispose();
            throw;
        }
        logger?.LogInformation("Model {Id}: ONNX Runtime graph optimisation {Choice}", package.Id, choice);
        if (provider == "CPU" && package.Manifest.Precision == ModelPrecision.Int8 && Int8Weights.ProductsSaturate)
            logger?.LogWarning("Model {Id}: int8 weights multiplied as uint8 (ONNX Runtime's precision mode), exact but hardly faster than float on this CPU (no VNNI: its int8 products would saturate)", package.Id);
        return model;
    }

    /// <summary>
    /// The frame the graph optimisation levels are timed on: the one the manifest's latency was measured at, else
    /// <see cref="GraphOptimizer.DefaultProbe"/>; the largest square tile where that frame is more than the session
    /// ever runs at once (the tiles' bound); each side a multiple of the model's input multiple.
    /// </summary>
    internal static GraphOptimizer.Probe ProbeFor(ModelManifest manifest, TileOptions tiles)
    {
        var (width, height) = manifest.Latency is { } latency ? (latency.Width, latency.Height) : (GraphOptimizer.DefaultProbe.Width, GraphOptimizer.DefaultProbe.Height);
        if (tiles.Tiles(height, width)) width = height = tiles.TileSide;
        var multiple = manifest.InputMultiple;
        return new GraphOptimizer.Probe(Math.Max(multiple, width - width % multiple), Math.Max(multiple, height - height % multiple));
    }

    /// <summary>The graph optimisation level the session runs with, and how it was chosen.</summary>
    public GraphOptimizationChoice Optimization { get; private init; } = null!;

    /// <summary>"CUDA" when it is preferred and this ONNX Runtime build has it (it is then tried), else "CPU".</summary>
    private static string Provider(bool preferCuda, ILogger? logger)
    {
        if (!preferCuda) return "CPU";
        if (OrtEnv.Instance().GetAvailableProviders().Contains("CUDAExecutionProvider"))
        {
            try
            {
                using var probe = new SessionOptions();
                probe.AppendExecutionProvider_CUDA();
                return "CUDA";
            }
            catch (OnnxRuntimeException e)
            {
                logger?.LogWarning("CUDA execution provider unavailable ({Reason}); falling back to CPU", e.Message.Split('\n')[0]);
                return "CPU";
            }
        }
        logger?.LogInformation("ONNX Runtime has no CUDA execution provider in this build; using CPU");
        return "CPU";
    }

    private void CheckAgainstManifest()
    {
        var m = Manifest;
        if (!_session.InputMetadata.TryGetValue(m.InputName, out var input))
            throw new ModelPackageException(Package.Folder, $"the graph has no input '{m.InputName}' (it has {string.Join(", ", _session.InputMetadata.Keys)})");
        if (!_session.OutputMetadata.ContainsKey(m.OutputName))
            throw new ModelPackageException(Package.Folder, $"the graph has no output '{m.OutputName}' (it has {string.Join(", ", _session.OutputMetadata.Keys)})");
        if (input.Dimensions.Length != 4 || input.Dimensions[1] != m.Channels)
            throw new ModelPackageException(Package.Folder, $"the manifest says {m.Channels} channel(s) but the graph input is [{string.Join(", ", input.Dimensions)}]");
        if (m.NoiseLevelInput is { } levelName)
        {
            if (!_session.InputMetadata.TryGetValue(levelName, out var level))
                throw new ModelPackageException(Package.Folder, $"the manifest names the noise-level input '{levelName}' but the graph has none (it has {string.Join(", ", _session.InputMetadata.Keys)})");
            if (!level.Dimensions.SequenceEqual(NoiseLevelFeed.Shape))
                throw new ModelPackageException(Package.Folder, $"the noise-level input '{levelName}' is [{string.Join(", ", level.Dimensions)}], not one value [{string.Join(", ", NoiseLevelFeed.Shape)}]");
        }
        if (_session.InputMetadata.Keys.FirstOrDefault(k => k != m.InputName && k != m.NoiseLevelInput) is { } unnamed)
            throw new ModelPackageException(Package.Folder, $"the graph has an input '{unnamed}' the manifest does not name");
        // an odd multiple of the input multiple: a graph that needs a larger multiple than its manifest says fails here
        var blocks = Math.Max(1, 8 / m.InputMultiple) | 1;
        var probe = blocks * m.InputMultiple;
        long[] shape;
        try
        {
            var tensor = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(new[] { 1, m.Channels, probe, probe });
            var feeds = new List<NamedOnnxValue> { NamedOnnxValue.CreateFromTensor(m.InputName, tensor) };
            if (m.NoiseLevelFor(null) is { } level)
                feeds.Add(NoiseLevelFeed.Named(m.NoiseLevelInput!, level));
            using var results = _session.Run(feeds);
            shape = results.Single(r => r.Name == m.OutputName).AsTensor<float>().Dimensions.ToArray().Select(d => (long)d).ToArray();
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelPackageException(Package.Folder, $"the graph fails on a {m.Channels}-channel {probe}×{probe} probe (ONNX Runtime's reason is in the server log)", e);
        }
        if (shape is not [1, var c, var h, var w] || c != m.Channels || h != probe * m.Scale || w != probe * m.Scale)
            throw new ModelPackageException(Package.Folder, $"the manifest says ×{m.Scale} with {m.Channels} channel(s) but an {probe}×{probe} probe came back as [{string.Join(", ", shape)}]");
    }

    /// <summary>
    /// Restores <paramref name="n"/> images of <paramref name="c"/> channels (c = the model's channels), planar in
    /// <paramref name="input"/>; returns n·c planes of (h·scale) × (w·scale). Large images are tiled.
    /// <paramref name="sigma"/>: the noise σ for a model that takes it (<see cref="ModelManifest.SigmaProblem"/>; null = its own).
    /// </summary>
    public float[] Restore(ReadOnlySpan<float> input, int n, int c, int h, int w, double? sigma = null)
    {
        using var lease = Lease(n, c, h, w, sigma);
        input[..lease.Input.Length].CopyTo(lease.Input);
        lease.Run();
        return lease.Output.ToArray();
    }

    /// <summary>
    /// Buffers for one restoration of an n×c×h×w tensor, taken from the pool for that shape: fill
    /// <see cref="RestorationLease.Input"/>, call <see cref="RestorationLease.Run"/>, read <see cref="RestorationLease.Output"/>, dispose
    /// to give the buffers back. No per-frame allocation for untiled frames whose sides are multiples of the input multiple.
    /// </summary>
    public RestorationLease Lease(int n, int c, int h, int w, double? sigma = null)
    {
        if (c != Channels) throw new ArgumentException($"model '{Id}' takes {Channels} channel(s), got {c}");
        if (n < 1 || h < 1 || w < 1) throw new ArgumentException($"tensor {n}×{c}×{h}×{w} is empty");
        if (Manifest.SigmaProblem(sigma) is { } problem) throw new ArgumentException(problem);
        if (_tiles.Tiles(h, w)) return new RestorationLease(this, n, c, h, w, null, sigma);
        var (ph, pw) = (EdgePadded.RoundUp(h, Manifest.InputMultiple), EdgePadded.RoundUp(w, Manifest.InputMultiple));
        return new RestorationLease(this, n, c, h, w, _pool.Take(new TensorShape(n, c, ph, pw, Scale)), sigma);
    }

    /// <summary>
    /// One leased set of buffers (see <see cref="Lease"/>): the pooled model tensors themselves; or, for a frame
    /// larger than a tile, plain arrays restored tile by tile; or, for sides that are not multiples of the manifest's
    /// input multiple, a plain input array that <see cref="Run"/> copies into the pooled (larger) tensor with its last
    /// row and column repeated, and a plain output array cropped from the model's.
    /// </summary>
    public sealed class RestorationLease : IDisposable
    {
        private readonly RestorationModel _model;
        private readonly TensorBuffers? _buffers;
        private readonly (int N, int C, int H, int W) _shape;
        private readonly float[]? _input;
        private float[]? _output;

        private readonly double? _sigma;

        internal RestorationLease(RestorationModel model, int n, int c, int h, int w, TensorBuffers? buffers, double? sigma)
        {
            _sigma = sigma;
            _model = model;
            _buffers = buffers;
            _shape = (n, c, h, w);
            if (buffers is null || buffers.Shape.H != h || buffers.Shape.W != w) _input = new float[n * c * h * w];
        }

        public Span<float> Input => _input ?? _buffers!.Input;

        public ReadOnlySpan<float> Output => _input is null ? _buffers!.Output : _output ?? throw new InvalidOperationException("Run first");

        public void Run()
        {
            if (_buffers is null) _output = _model.RunTiled(_input!, _shape.N, _shape.C, _shape.H, _shape.W, _sigma);
            else if (_input is null) _model.RunBuffers(_buffers, _sigma);
            else
            {
                EdgePadded.Copy(_input, _buffers.Input, _shape.N * _shape.C, _shape.H, _shape.W, _buffers.Shape.H, _buffers.Shape.W);
                _model.RunBuffers(_buffers, _sigma);
                var s = _model.Scale;
                _output = new float[_input.Length * s * s];
                EdgePadded.Crop(_buffers.Output, _output, _shape.N * _shape.C, _buffers.Shape.H * s, _buffers.Shape.W * s, _shape.H * s, _shape.W * s);
            }
        }

        public void Dispose()
        {
            if (_buffers is { } b) _model._pool.Return(b);
        }
    }

    /// <summary>
    /// A frame larger than a tile, restored in overlapping tiles. For an input multiple m &gt; 1 the frame is first padded
    /// to multiples of m and the tiles and their overlap are multiples of m too, so that every tile's pixel-unshuffle
    /// blocks fall where the whole frame's do.
    /// </summary>
    private float[] RunTiled(float[] input, int n, int c, int h, int w, double? sigma)
    {
        var m = Manifest.InputMultiple;
        if (h % m != 0 || w % m != 0) return EdgePadded.Run(input, n * c, h, w, m, Scale, (padded, ph, pw) => RunTiled(padded, n, c, ph, pw, sigma));
        var s = Scale;
        var (oh, ow) = (h * s, w * s);
        var planes = n * c;
        var sum = new float[planes * oh * ow];
        var weight = new float[oh * ow];
        var overlap = EdgePadded.RoundUp(_tiles.Overlap, m);
        var (tileHeight, tileWidth) = TileGrid.Plan(h, w, _tiles.MaxTilePixels, overlap, m);
        var margin = overlap / 4 * s;
        var ramp = overlap / 2 * s;
        var ys = TileGrid.Starts(h, tileHeight, overlap);
        var xs = TileGrid.Starts(w, tileWidth, overlap);
        foreach (var y0 in ys)
            foreach (var x0 in xs)
            {
                var th = Math.Min(tileHeight, h - y0);
                var tw = Math.Min(tileWidth, w - x0);
                using var lease = Lease(n, c, th, tw, sigma); // th, tw ≤ the tile side, so within the area: pooled buffers, never tiled again
                var patch = lease.Input;
                for (var p = 0; p < planes; p++)
                    for (var y = 0; y < th; y++)
                        input.AsSpan(p * h * w + (y0 + y) * w + x0, tw).CopyTo(patch.Slice(p * th * tw + y * tw, tw));
                lease.Run();
                var result = lease.Output;
                var (rh, rw) = (th * s, tw * s);
                for (var y = 0; y < rh; y++)
                {
                    var wy = TileGrid.Weight(y, rh, y0 > 0, y0 + th < h, margin, ramp);
                    if (wy == 0) continue;
                    for (var x = 0; x < rw; x++)
                    {
                        var wt = wy * TileGrid.Weight(x, rw, x0 > 0, x0 + tw < w, margin, ramp);
                        if (wt == 0) continue;
                        var o = (y0 * s + y) * ow + x0 * s + x;
                        weight[o] += wt;
                        for (var p = 0; p < planes; p++) sum[p * oh * ow + o] += wt * result[p * rh * rw + y * rw + x];
                    }
                }
            }
        for (var p = 0; p < planes; p++)
            for (var i = 0; i < oh * ow; i++) sum[p * oh * ow + i] /= weight[i];
        return sum;
    }

    private void RunBuffers(TensorBuffers buffers, double? sigma)
    {
        using var runOptions = new RunOptions();
        if (Manifest.NoiseLevelFor(sigma) is not { } level)
        {
            _session.Run(runOptions, new[] { Manifest.InputName }, new[] { buffers.InputValue }, new[] { Manifest.OutputName }, new[] { buffers.OutputValue });
            return;
        }
        using var levelValue = NoiseLevelFeed.Value(level);
        _session.Run(runOptions, new[] { Manifest.InputName, Manifest.NoiseLevelInput! }, new[] { buffers.InputValue, levelValue }, new[] { Manifest.OutputName }, new[] { buffers.OutputValue });
    }

    public void Dispose()
    {
        if (_ownsPool) _pool.Dispose();
        _session.Dispose();
    }
}
