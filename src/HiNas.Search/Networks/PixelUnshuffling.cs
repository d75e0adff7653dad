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
        using var padded = PadToMultiple(x, r);
        return SpaceToDepth(padded, r);
    }

    /// <summary><paramref name="x"/> with its bottom rows and right columns repeated up to multiples of <paramref name="r"/> (an alias when they are).</summary>
    public static Tensor PadToMultiple(Tensor x, int r)
    {
        var (padH, padW) = (Padding(x.shape[2], r), Padding(x.shape[3], r));
        return padH == 0 && padW == 0 ? x.alias() : nn.functional.pad(x, new long[] { 0, padW, 0, padH }, PaddingModes.Replicate);
    }

    /// <summary>ONNX SpaceToDepth(r) of <paramref name="x"/>, whose sides must be multiples of r (as ONNX Runtime requires).</summary>
    public static Tensor SpaceToDepth(Tensor x, int r)
    {
        var (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]);
        if (h % r != 0 || w % r != 0) throw new ArgumentException($"SpaceToDepth({r}) needs sides that are multiples of {r}, got {h}×{w}");
        using var blocks = x.reshape(n, c, h / r, r, w / r, r);
        using var moved = blocks.permute(0, 3, 5, 1, 2, 4);
        return moved.reshape(n, c * r * r, h / r, w / r);
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
