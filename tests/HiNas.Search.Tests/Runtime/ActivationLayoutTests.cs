using HiNas.Imaging.Tasks;
using HiNas.Nas.Genotypes;
using HiNas.Nas.Space;
using HiNas.Search.Baselines;
using HiNas.Search.Losses;
using HiNas.Search.Networks;
using HiNas.Search.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace HiNas.Search.Tests.Runtime;

public class ActivationLayoutTests
{
    public ActivationLayoutTests() => TorchRuntime.EnsureInitialized();

    [Fact]
    public void ChannelsLast_GivesDenseConvolutionsNhwcStrides_DepthwiseOnesAndSmallBatchNormsNchw()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.randn(2, 10, 8, 6);
        var dense = ActivationLayouts.ForDenseConvolution(x, ActivationLayout.ChannelsLast);
        Assert.True(ActivationLayouts.IsChannelsLast(dense));
        Assert.Equal(new long[] { 480, 1, 60, 10 }, dense.stride());
        Assert.True(dense.allclose(x, rtol: 0, atol: 0));
        Assert.Same(dense, ActivationLayouts.ForDenseConvolution(dense, ActivationLayout.ChannelsLast)); // no second copy

        var depthwise = ActivationLayouts.ForDepthwiseConvolution(dense, ActivationLayout.ChannelsLast);
        Assert.True(depthwise.is_contiguous());
        Assert.True(depthwise.allclose(x, rtol: 0, atol: 0));
        Assert.True(ActivationLayouts.ForBatchNorm(dense, ActivationLayout.ChannelsLast).is_contiguous());
        var wide = ActivationLayouts.ForDenseConvolution(torch.randn(2, ActivationLayouts.ChannelsLastBatchNormMinimum, 4, 4), ActivationLayout.ChannelsLast);
        Assert.Same(wide, ActivationLayouts.ForBatchNorm(wide, ActivationLayout.ChannelsLast));

        var gray = torch.rand(2, 1, 5, 7);
        var grayView = ActivationLayouts.ForDenseConvolution(gray, ActivationLayout.ChannelsLast); // libtorch would take it for NCHW
        Assert.Equal(new long[] { 35, 1, 7, 1 }, grayView.stride());
        Assert.True(grayView.allclose(gray, rtol: 0, atol: 0));

        // a one-channel input whose gradient oneDNN would compute wrong is refused, not computed
        var error = Assert.Throws<InvalidOperationException>(() => ActivationLayouts.ForDenseConvolution(gray.requires_grad_(true), ActivationLayout.ChannelsLast));
        Assert.Contains("one-channel input that needs a gradient", error.Message);

        Assert.Same(x, ActivationLayouts.ForDenseConvolution(x, ActivationLayout.Contiguous));
        Assert.Same(dense, ActivationLayouts.ForDepthwiseConvolution(dense, ActivationLayout.Contiguous));
    }

    [Fact]
    public void TheLayout_FollowsOneDnnAndItsCap()
    {
        Assert.Equal(ActivationLayout.ChannelsLast, ActivationLayouts.For(true, null));
        Assert.Equal(ActivationLayout.ChannelsLast, ActivationLayouts.For(true, "AVX2"));
        Assert.Equal(ActivationLayout.Contiguous, ActivationLayouts.For(true, "sse41"));
        Assert.Equal(ActivationLayout.Contiguous, ActivationLayouts.For(false, null));
    }

    [Fact]
    public void Attach_HooksEveryConvolution_AndTheNetworkComputesTheSame()
    {
        var task = RestorationTask.Denoise(25, 1);
        using var plain = TorchRuntime.Seeded(3, () => new DnCnn(task, 4, 26)); // hooked with this process's layout
        using var hooked = TorchRuntime.Seeded(3, () => new DnCnn(task, 4, 26));
        Assert.Equal(4, ActivationLayouts.Attach(hooked, ActivationLayout.ChannelsLast));
        using var scope = torch.NewDisposeScope();
        var x = torch.rand(2, 1, 24, 24, generator: new Generator(5));
        var difference = (plain.call(x) - hooked.call(x)).abs().max().item<float>();
        Assert.True(difference < 1e-5, $"outputs differ by {difference}");
    }

    [Fact]
    public void Attach_ReleasesTheCopyItMakes_AsSoonAsTheConvolutionHasRun()
    {
        using var conv = torch.nn.Conv2d(10, 12, 3, padding: 1);
        ActivationLayouts.Attach(conv, ActivationLayout.ChannelsLast);
        using var scope = torch.NewDisposeScope();
        var x = torch.rand(2, 10, 8, 8).requires_grad_(true); // NCHW: the pre-hook copies it to NHWC
        var held = scope.DisposablesCount;
        var y = conv.call(x);
        Assert.Equal(held + 1, scope.DisposablesCount); // the output only; autograd keeps what the backward needs
        y.sum().backward();
        Assert.Equal(new long[] { 2, 10, 8, 8 }, x.grad!.shape);

        var nhwc = ActivationLayouts.ForDenseConvolution(torch.rand(2, 10, 8, 8), ActivationLayout.ChannelsLast);
        held = scope.DisposablesCount;
        conv.call(nhwc);
        Assert.False(nhwc.IsInvalid); // an input already laid out is the caller's, never disposed
        Assert.Equal(held + 1, scope.DisposablesCount);
    }

    public static TheoryData<string> Networks => new() { "dncnn", "derived", "small" };

    /// <summary>
    /// A baseline and a derived network with every operation of the space, built the way the project builds them
    /// (through <see cref="TorchRuntime.Seeded{T}"/>), compute float32 parameter gradients that match a float64 copy
    /// (float64 does not go through oneDNN). With oneDNN's full instruction set on NCHW activations, the 26- and
    /// 10-channel convolutions here gave wrong or NaN gradients on the project's AVX-512 machines: this fails if a
    /// network's convolutions miss the layout. (The supernet is made of the same operation modules, stem and head;
    /// TorchSharp cannot convert it to float64.)
    /// </summary>
    /// <summary>Two layers of a cell whose four blocks use every operation with parameters, and the skip.</summary>
    private static Genotype EveryOperation(RestorationTask task)
    {
        var cell = new CellGenotype(new[]
        {
            new CellEdge(OperationNames.Conv3x3, 0), new CellEdge(OperationNames.Skip, 1),
            new CellEdge(OperationNames.SepConv3x3, 2), new CellEdge(OperationNames.DilConv5x5, 0),
            new CellEdge(OperationNames.SepConv5x5, 3), new CellEdge(OperationNames.DilConv3x3, 1),
            new CellEdge(OperationNames.Conv3x3, 4), new CellEdge(OperationNames.SepConv3x3, 2),
        });
        return new Genotype(new SearchSpace(task, 2, 4, 10, SearchSpace.DefaultWidthFactors, 10), new[] { cell, cell }, new[] { 0, 1 });
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void Float32Gradients_OfEveryNetworkKind_MatchFloat64(string kind)
    {
        var task = RestorationTask.Denoise(25, kind == "small" ? 1 : 3);
        var (batch, side) = kind == "small" ? (4, 24) : (2, 32);
        nn.Module<Tensor, Tensor> Build() => kind switch
        {
            "dncnn" => new DnCnn(task, 4, 26),
            "small" => new DerivedNetwork(RandomGenotype.Sample(new SearchSpace(task, 2, 2, 6, SearchSpace.DefaultWidthFactors, 8), seed: 4)),
            _ => new DerivedNetwork(EveryOperation(task)),
        };
        using var single = TorchRuntime.Seeded(11, Build);
        using var reference = TorchRuntime.Seeded(11, Build);
        reference.to(ScalarType.Float64);
        using var scope = torch.NewDisposeScope();
        var generator = new Generator(13);
        var clean = torch.rand(batch, task.Channels, side, side, generator: generator);
        var noisy = clean + 0.1 * torch.randn(batch, task.Channels, side, side, generator: generator);

        List<(string Name, Tensor? Gradient)> Gradients(nn.Module<Tensor, Tensor> net, ScalarType type)
        {
            var output = net.call(noisy.to(type));
            RestorationLoss.For(task).Compute(output, clean.to(type)).backward();
            return net.named_parameters().Select(p => (p.name, p.parameter.grad?.to(ScalarType.Float64))).ToList();
        }

        var float32 = Gradients(single, ScalarType.Float32);
        var float64 = Gradients(reference, ScalarType.Float64); // the same construction: the same parameters in the same order
        Assert.Equal(float64.Select(p => p.Name), float32.Select(p => p.Name));
        var compared = float64.Zip(float32).Where(p => p.First.Gradient is not null).ToList();
        Assert.NotEmpty(compared);
        // each gradient's error relative to its own size, but no less than a thousandth of the network's largest gradient:
        // a gradient that vanishes in exact arithmetic has no digits to compare (DnCNN's first BatchNorm scale, which its
        // identity-started next convolution and the BatchNorm after it make irrelevant at the start: ~1e-6 against ~0.1)
        var largest = compared.Max(p => p.First.Gradient!.abs().max().item<double>());
        var worst = compared
            .Select(p => (p.First.Name, Error: ((p.Second.Gradient! - p.First.Gradient!).abs().max() / p.First.Gradient!.abs().max().clamp_min(Math.Max(1e-3 * largest, 1e-12))).item<double>()))
            .OrderByDescending(e => double.IsNaN(e.Error) ? double.PositiveInfinity : e.Error).First();
        Assert.True(worst.Error < 1e-3, $"{TorchRuntime.OneDnn}: {kind}'s gradient of {worst.Name} is off by {worst.Error:G3} (relative)");
    }
}
