namespace HiNas.Search.Export;

/// <summary>
/// The inference graph a trained module describes of itself, in the few operators every network here is made of.
/// Values are named by strings; each call adds a node and returns its output's name. The ONNX writer implements it;
/// a module emits exactly what its forward computes (eval mode, BatchNorm folded into the convolution before it).
/// </summary>
public interface IGraphEmitter
{
    string Conv(string x, FoldedConv conv);
    string LeakyRelu(string x, double slope);
    string Relu(string x);
    string Add(string a, string b);
    string Sub(string a, string b);

    /// <summary><paramref name="x"/> times one factor per channel (ONNX Mul by a [1, C, 1, 1] initializer).</summary>
    string Scale(string x, float[] perChannel);
    string Concat(IEnumerable<string> parts);

    /// <summary>ONNX SpaceToDepth(blocksize): channel (row offset · r + column offset) · C + channel.</summary>
    string SpaceToDepth(string x, int blocksize);

    /// <summary>PixelShuffle(scale) in PyTorch's channel order.</summary>
    string PixelShuffle(string x, int scale);

    /// <summary>
    /// PyTorch's bicubic upsampling by <paramref name="scale"/> (a = −0.75, half-pixel centres, no antialiasing) of
    /// <paramref name="channels"/> channels, in the depth domain of <paramref name="blocks"/>: channels·(s·blocks)² at
    /// 1/<paramref name="blocks"/> of the input's sides (which are multiples of it), PixelShuffle(s·blocks) of which is
    /// the upsampled image.
    /// </summary>
    string BicubicPhases(string x, long channels, int scale, int blocks);
}

/// <summary>A module with one input that emits its own inference graph (operations, projections, heads).</summary>
public interface IExportable
{
    string Emit(IGraphEmitter g, string x);
}
