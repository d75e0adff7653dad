using Microsoft.ML.OnnxRuntime;

namespace HiNas.Inference.Engine;

/// <summary>
/// Input/output buffers (and the OrtValues over them) kept between frames of the same tensor shape, shared by every
/// model of a repository and bounded in total: when the idle buffers exceed <see cref="MaxIdleBytes"/>, the least
/// recently used go, so a client that keeps changing its frame size cannot grow the server. Buffers in use are not
/// counted: they are bounded by the frames restored at once. Thread-safe.
/// </summary>
public sealed class TensorBufferPool : IDisposable
{
    /// <summary>
    /// 64 MiB: three 1280×720 RGB frames' float input and output (the largest the server runs whole by default, see
    /// TileOptions), or eleven 640×360 frames — the shapes of a few video or game streams stay warm, and a client of ever-new
    /// shapes costs at most this. bench/soak (SOAK_ONLY=sizes, 900 random sizes up to 640×480): the server's RSS levels
    /// off at about 470 MiB with no pool and 770 MiB with a 256 MiB one.
    /// </summary>
    public const long DefaultMaxIdleBytes = 64L * 1024 * 1024;

    private readonly object _gate = new();
    private readonly LinkedList<TensorBuffers> _idle = new(); // most recently returned first
    private readonly Dictionary<TensorShape, List<LinkedListNode<TensorBuffers>>> _byShape = new();
    private bool _disposed;

    public TensorBufferPool(long maxIdleBytes = DefaultMaxIdleBytes)
    {
        if (maxIdleBytes < 0) throw new ArgumentOutOfRangeException(nameof(maxIdleBytes), maxIdleBytes, "the pool's bound must be ≥ 0 bytes");
        MaxIdleBytes = maxIdleBytes;
    }

    public long MaxIdleBytes { get; }

    /// <summary>Bytes held by idle buffers now (never above <see cref="MaxIdleBytes"/> once a return completes).</summary>
    public long IdleBytes { get; private set; }

    public int IdleCount
    {
        get
        {
            lock (_gate) return _idle.Count;
        }
    }

    /// <summary>Buffers for <paramref name="shape"/>: an idle set when there is one, else new ones.</summary>
    internal TensorBuffers Take(TensorShape shape)
    {
        lock (_gate)
        {
            if (_byShape.TryGetValue(shape, out var nodes) && nodes.Count > 0)
            {
                var node = nodes[^1];
                nodes.RemoveAt(nodes.Count - 1);
                _idle.Remove(node);
                IdleBytes -= node.Value.Bytes;
                return node.Value;
            }
        }
        return new TensorBuffers(shape);
    }

    /// <summary>Gives buffers back for the next frame of their shape; evicts the least recently used while over the bound.</summary>
    internal void Return(TensorBuffers buffers)
    {
        var evicted = new List<TensorBuffers>();
        lock (_gate)
        {
            if (_disposed || buffers.Bytes > MaxIdleBytes)
            {
                evicted.Add(buffers);
            }
            else
            {
                var node = _idle.AddFirst(buffers);
                if (!_byShape.TryGetValue(buffers.Shape, out var nodes)) _byShape[buffers.Shape] = nodes = new List<LinkedListNode<TensorBuffers>>();
                nodes.Add(node);
                IdleBytes += buffers.Bytes;
                while (IdleBytes > MaxIdleBytes && _idle.Last is { } oldest)
                {
                    _idle.RemoveLast();
                    var list = _byShape[oldest.Value.Shape];
                    list.Remove(oldest);
                    if (list.Count == 0) _byShape.Remove(oldest.Value.Shape);
                    IdleBytes -= oldest.Value.Bytes;
                    evicted.Add(oldest.Value);
                }
            }
        }
        foreach (var b in evicted) b.Dispose();
    }

    public void Dispose()
    {
        List<TensorBuffers> all;
        lock (_gate)
        {
            _disposed = true;
            all = _idle.ToList();
            _idle.Clear();
            _byShape.Clear();
            IdleBytes = 0;
        }
        foreach (var b in all) b.Dispose();
    }
}

/// <summary>An n×c×h×w input restored ×scale.</summary>
internal readonly record struct TensorShape(int N, int C, int H, int W, int Scale);

/// <summary>Pinned input/output arrays for one tensor shape and the OrtValues over them.</summary>
internal sealed class TensorBuffers : IDisposable
{
    public TensorBuffers(TensorShape shape)
    {
        var (n, c, h, w, scale) = shape;
        Shape = shape;
        Input = new float[n * c * h * w];
        OutputShape = new long[] { n, c, h * scale, w * scale };
        Output = new float[n * c * h * scale * w * scale];
        InputValue = OrtValue.CreateTensorValueFromMemory(Input, new long[] { n, c, h, w });
        OutputValue = OrtValue.CreateTensorValueFromMemory(Output, OutputShape);
    }

    public TensorShape Shape { get; }
    public float[] Input { get; }
    public float[] Output { get; }
    public long[] OutputShape { get; }
    public OrtValue InputValue { get; }
    public OrtValue OutputValue { get; }
    public long Bytes => 4L * (Input.Length + Output.Length);

    public void Dispose()
    {
        InputValue.Dispose();
        OutputValue.Dispose();
    }
}
