using TorchSharp;
using static TorchSharp.torch;
using HiNas.Search.Export;

namespace HiNas.Search.Networks;

/// <summary>
/// The frame-time space's way in and out (<see cref="HiNas.Nas.Space.SearchSpace.PixelUnshuffle"/>): the input goes
/// through space-to-depth by r — in ONNX SpaceToDepth's channel order, (row offset · r + column offset) · C + channel,
/// so the exported graph is one SpaceToDepth node — after its sides are padded to multiples of r by edge replication;
/// the head's pixel-shuffled output is cropped back to the input's size times the task's scale. Served models get the
/// same padding and crop from the engine (the manifest's input multiple).
/// </summary>
public static class PixelUnshuffling
{
    /// <summary>Space-to-depth by <paramref name="r"/> of <paramref name="x"/> [N, C, H, W], its sides padded to multiples of r first.</summary>
    public static Tensor In(Tensor x, int r)
    {
        if (r == 1) return x.alias();
        using var scope = torch.NewDisposeScope();
        var (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]);
        var (padH, padW) = (Padding(h, r), Padding(w, r));
        var padded = padH == 0 && padW == 0 ? x : nn.functional.pad(x, new long[] { 0, padW, 0, padH }, PaddingModes.Replicate);
        var (ph, pw) = ((h + padH) / r, (w + padW) / r);
        var y = padded.reshape(n, c, ph, r, pw, r).permute(0, 3, 5, 1, 2, 4).reshape(n, c * r * r, ph, pw);
        return y.MoveToOuterDisposeScope();
    }

    /// <summary>The same in an inference graph (the engine pads the input's sides to multiples of r).</summary>
    public static string Emit(IGraphEmitter g, string x, int r) => r == 1 ? x : g.SpaceToDepth(x, r);

    /// <summary>Rows or columns added to a side of <paramref name="length"/> to reach a multiple of <paramref name="r"/>.</summary>
    public static long Padding(long length, int r) => (r - length % r) % r;

    /// <summary><paramref name="prediction"/> cropped to <paramref name="input"/>'s sides times <paramref name="scale"/> (a view when it is larger).</summary>
    public static Tensor CropTo(Tensor prediction, Tensor input, int scale)
    {
        var (h, w) = (input.shape[2] * scale, input.shape[3] * scale);
        if (prediction.shape[2] == h && prediction.shape[3] == w) return prediction;
        using var rows = prediction.narrow(2, 0, h);
        return rows.narrow(3, 0, w);
    }
}
