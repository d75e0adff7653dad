using TorchSharp;
using static TorchSharp.torch;

namespace HiNas.Search.Runtime;

/// <summary>How the activations of this process's networks are laid out in memory where it matters.</summary>
public enum ActivationLayout
{
    /// <summary>NCHW as libtorch makes them; oneDNN reorders them into its channel-blocked layouts, padding the channels to its block.</summary>
    Contiguous,

    /// <summary>
    /// NHWC strides into dense convolutions, which oneDNN then computes directly with no padded channel blocks; NCHW
    /// into depthwise convolutions (their channels-last backward is wrong where the dense one is right) and into
    /// BatchNorms of few channels (see <see cref="ActivationLayouts.ForBatchNorm"/>).
    /// </summary>
    ChannelsLast,
}

/// <summary>
/// Puts an operation's input in the layout of this process (<see cref="TorchRuntime.Layout"/>), decided with oneDNN:
/// on the project's AVX-512 machines oneDNN 3.7's channel-blocked kernels read the padding of channel blocks (channel
/// counts that are not a multiple of 16) and return wrong values or NaN now and then, while on NHWC activations its
/// dense kernels are exact and faster. Every network's convolutions get it through <see cref="Attach"/>, which
/// <see cref="TorchRuntime.Seeded{T}"/> runs on every module it builds; functional convolutions and the BatchNorm
/// call the methods here themselves.
/// </summary>
public static class ActivationLayouts
{
    /// <summary>Below this many channels a channels-last BatchNorm is slower than a copy to NCHW and an NCHW BatchNorm.</summary>
    public const long ChannelsLastBatchNormMinimum = 32;

    /// <summary>The layout for oneDNN on or off, capped at <paramref name="isaCap"/> (null: no cap): SSE4.1 convolves through GEMM on plain NCHW.</summary>
    public static ActivationLayout For(bool oneDnn, string? isaCap) =>
        oneDnn && !string.Equals(isaCap?.Trim(), "SSE41", StringComparison.OrdinalIgnoreCase) ? ActivationLayout.ChannelsLast : ActivationLayout.Contiguous;

    /// <summary>The input of a convolution of <paramref name="groups"/> groups in <paramref name="layout"/>: dense ones get NHWC strides, depthwise (grouped) ones NCHW.</summary>
    public static Tensor ForConvolution(Tensor x, long groups, ActivationLayout layout) =>
        groups > 1 ? ForDepthwiseConvolution(x, layout) : ForDenseConvolution(x, layout);

    /// <summary>
    /// The input of a dense (ungrouped) convolution: NHWC strides in <see cref="ActivationLayout.ChannelsLast"/>;
    /// <paramref name="x"/> itself when it already has them. A one-channel input gets them as a view (its NCHW and NHWC
    /// orders are the same): libtorch takes a contiguous one-channel tensor for NCHW and would give the convolution's
    /// output the channel-blocked layout, whose weight gradient came out NaN here. A one-channel input must not need
    /// a gradient: oneDNN's channels-last input gradient of one channel is wrong here (relative error 0.25–0.4). The
    /// project's one-channel inputs are images (the stems); the SSIM loss filters its moments depthwise.
    /// </summary>
    public static Tensor ForDenseConvolution(Tensor x, ActivationLayout layout)
    {
        if (layout != ActivationLayout.ChannelsLast || x.dim() != 4) return x;
        var (c, h, w) = (x.shape[1], x.shape[2], x.shape[3]);
        if (c == 1 && x.requires_grad && x.dtype == ScalarType.Float32)
            throw new InvalidOperationException("a dense float32 convolution of a one-channel input that needs a gradient: oneDNN computes that gradient wrong on this CPU in the channels-last layout (compute it in float64, or run with HINAS_ONEDNN=off)");
        if (IsChannelsLast(x)) return x;
        if (c == 1)
        {
            if (x.is_contiguous()) return x.as_strided(x.shape, new[] { h * w, 1, w, 1 });
            using var packed1 = x.contiguous();
            return packed1.as_strided(x.shape, new[] { h * w, 1, w, 1 });
        }
        using var nhwc = x.permute(0, 2, 3, 1);
        using var packed = nhwc.contiguous();
        return packed.permute(0, 3, 1, 2);
    }

    /// <summary>The input of a depthwise (grouped) convolution: NCHW in every layout; <paramref name="x"/> itself when it already is.</summary>
    public static Tensor ForDepthwiseConvolution(Tensor x, ActivationLayout layout) => layout != ActivationLayout.ChannelsLast ? x : Contiguous(x);

    /// <summary>
    /// The input of a BatchNorm: NCHW below <see cref="ChannelsLastBatchNormMinimum"/> channels. libtorch's
    /// channels-last BatchNorm works a position at a time across the channels; with 10 or 20 channels its forward and
    /// backward took 2.4 ms on a 4×·×64×64 batch here against 0.3–0.6 ms for a copy to NCHW and an NCHW BatchNorm;
    /// from 40 channels on the two are even, and at 64 channels-last is faster.
    /// </summary>
    public static Tensor ForBatchNorm(Tensor x, ActivationLayout layout) =>
        layout != ActivationLayout.ChannelsLast || x.dim() != 4 || x.shape[1] >= ChannelsLastBatchNormMinimum ? x : Contiguous(x);

    /// <summary>Whether <paramref name="x"/> (N, C, H, W) has NHWC strides.</summary>
    public static bool IsChannelsLast(Tensor x)
    {
        if (x.dim() != 4) return false;
        var (c, w) = (x.shape[1], x.shape[3]);
        return x.stride(1) == 1 && x.stride(3) == c && x.stride(2) == c * w && x.stride(0) == c * w * x.shape[2];
    }

    /// <summary>
    /// Makes every convolution of <paramref name="network"/> take its input in <paramref name="layout"/> (a pre-hook per
    /// convolution; nothing in <see cref="ActivationLayout.Contiguous"/>). Returns the number of convolutions hooked.
    /// A copy the pre-hook makes is released by a post-hook as soon as the convolution has run: TorchSharp never
    /// disposes a pre-hook's result, so it would otherwise stay alive until the step's dispose scope ends, through
    /// the whole backward pass, long after autograd has let go of it.
    /// </summary>
    public static int Attach(nn.Module network, ActivationLayout layout)
    {
        if (layout == ActivationLayout.Contiguous) return 0;
        var hooked = 0;
        foreach (var module in network.modules().Prepend(network)) // TorchSharp's modules() leaves out the network itself
        {
            if (module is not TorchSharp.Modules.Conv2d conv) continue;
            var groups = conv.groups;
            conv.register_forward_pre_hook((_, x) =>
            {
                var laidOut = ForConvolution(x, groups, layout);
                _pendingCopy = ReferenceEquals(laidOut, x) ? null : laidOut;
                return laidOut;
            });
            conv.register_forward_hook((_, input, output) =>
            {
                if (_pendingCopy is { } copy && ReferenceEquals(copy, input)) copy.Dispose();
                _pendingCopy = null;
                return output;
            });
            hooked++;
        }
        return hooked;
    }

    /// <summary>The copy the running convolution's pre-hook made on this thread (a convolution runs no other module inside it).</summary>
    [ThreadStatic] private static Tensor? _pendingCopy;

    private static Tensor Contiguous(Tensor x) => x.is_contiguous() ? x : x.contiguous();
}
