namespace HiNas.Onnx.Export;

/// <summary>
/// PyTorch's bicubic upsampling by an integer scale s (a = −0.75, half-pixel centres, no antialiasing, edge indices
/// clamped) as s² output phases of a 5×5 filter: the output pixel (i·s + py, j·s + px) reads input rows i − 2 … i + 2
/// and columns j − 2 … j + 2 (clamped at the borders) with the weights of phase (py, px). Output x = i·s + p sits at
/// input position i + δ with δ = (p + 0.5)/s − 0.5 in [−0.5, 0.5), so its four cubic taps fall within two pixels of i.
/// </summary>
internal static class BicubicPhases
{
    /// <summary>Input pixels each side of the centre a phase can read.</summary>
    public const int Reach = 2;

    /// <summary>The filter's side: 2·<see cref="Reach"/> + 1.</summary>
    public const int Side = 2 * Reach + 1;

    /// <summary>PyTorch's cubic convolution coefficient.</summary>
    public const double A = -0.75;

    /// <summary>The weights of input offsets −2 … 2 for output phase <paramref name="phase"/> of <paramref name="scale"/>.</summary>
    public static double[] Weights(int scale, int phase)
    {
        if (scale < 1) throw new ArgumentOutOfRangeException(nameof(scale), scale, "the scale must be at least 1");
        if (phase < 0 || phase >= scale) throw new ArgumentOutOfRangeException(nameof(phase), phase, $"a phase of ×{scale} is 0 … {scale - 1}");
        var delta = (phase + 0.5) / scale - 0.5;
        var first = (int)Math.Floor(delta) - 1; // the leftmost of the four taps, as an offset from the centre
        var t = delta - Math.Floor(delta);
        var taps = new[] { Cubic(t + 1), Cubic(t), Cubic(1 - t), Cubic(2 - t) };
        var weights = new double[Side];
        for (var k = 0; k < taps.Length; k++) weights[first + k + Reach] = taps[k];
        return weights;
    }

    /// <summary>
    /// The s² kernels of <paramref name="scale"/>, phase (py, px) at index py·s + px, each <see cref="Side"/>² values
    /// row by row: the outer product of the row and column weights (the filter is separable).
    /// </summary>
    public static float[] Kernels(int scale)
    {
        var oneD = Enumerable.Range(0, scale).Select(p => Weights(scale, p)).ToArray();
        var kernels = new float[scale * scale * Side * Side];
        for (var py = 0; py < scale; py++)
            for (var px = 0; px < scale; px++)
                for (var y = 0; y < Side; y++)
                    for (var x = 0; x < Side; x++)
                        kernels[((py * scale + px) * Side + y) * Side + x] = (float)(oneD[py][y] * oneD[px][x]);
        return kernels;
    }

    /// <summary>Edge padding before the depth domain of <paramref name="blocks"/>: <see cref="Reach"/> rounded up to whole blocks.</summary>
    public static int Padding(int blocks) => blocks * ((Reach + blocks - 1) / blocks);

    /// <summary>
    /// The side K of the convolution over the padded input's depth domain: an output block reads the input blocks it sits
    /// on and those its taps reach (<see cref="Side"/> at blocks 1, 3 at blocks 2 and 4).
    /// </summary>
    public static int BlockSide(int blocks) => (blocks - 1 + Reach + Padding(blocks)) / blocks + 1;

    /// <summary>
    /// The weights [C·S², C·r², K, K] (S = s·r, r = <paramref name="blocks"/>, K = <see cref="BlockSide"/>) of the valid
    /// convolution from SpaceToDepth(r) of the edge-padded input (channel (sy·r + sx)·C + c) to the (s·r)² phases of
    /// each channel in PixelShuffle's order (channel c·S² + qy·S + qx): output row qy of block b is input row
    /// r·b + ⌊qy/s⌋ at phase qy mod s, and its taps, offset by the padding, fall in blocks b … b + K − 1.
    /// </summary>
    public static float[] BlockKernels(int channels, int scale, int blocks)
    {
        var r = blocks;
        var s = scale * r;
        var pad = Padding(r);
        var k = BlockSide(r);
        // oneD[q][offset within the block, block] = the 1-D weight of output row q on that padded input row
        var oneD = new double[s, r, k];
        for (var q = 0; q < s; q++)
        {
            var weights = Weights(scale, q % scale);
            for (var d = -Reach; d <= Reach; d++)
            {
                var row = q / scale + d + pad;
                oneD[q, row % r, row / r] += weights[d + Reach];
            }
        }
        var inChannels = channels * r * r;
        var kernels = new float[channels * s * s * inChannels * k * k];
        for (var c = 0; c < channels; c++)
            for (var qy = 0; qy < s; qy++)
                for (var qx = 0; qx < s; qx++)
                    for (var sy = 0; sy < r; sy++)
                        for (var sx = 0; sx < r; sx++)
                            for (var ky = 0; ky < k; ky++)
                                for (var kx = 0; kx < k; kx++)
                                {
                                    var output = c * s * s + qy * s + qx;
                                    var input = (sy * r + sx) * channels + c;
                                    kernels[((output * inChannels + input) * k + ky) * k + kx] = (float)(oneD[qy, sy, ky] * oneD[qx, sx, kx]);
                                }
        return kernels;
    }

    /// <summary>Keys' cubic convolution kernel with <see cref="A"/>.</summary>
    private static double Cubic(double x)
    {
        x = Math.Abs(x);
        if (x <= 1) return ((A + 2) * x - (A + 3)) * x * x + 1;
        if (x < 2) return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
        return 0;
    }
}
