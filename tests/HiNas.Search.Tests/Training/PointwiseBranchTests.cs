using HiNas.Nas.Space;
using HiNas.Search.Export;
using HiNas.Search.Operations;
using HiNas.Search.Runtime;
using static TorchSharp.torch;

namespace HiNas.Search.Tests.Training;

/// <summary>A fused k×k convolution trains with a 1×1 branch beside it, which its export folds into the kernel.</summary>
public sealed class PointwiseBranchTests
{
    public PointwiseBranchTests() => TorchRuntime.EnsureInitialized();

    [Theory]
    [InlineData(OperationNames.Conv3x3)]
    [InlineData(OperationNames.DilConv3x3)]
    [InlineData(OperationNames.DilConv5x5)]
    public void AFusedConvolutionAndItsBranch_ExportAsOneConvolution_ComputingBoth(string name)
    {
        var op = HiNas.Nas.Space.Operations.Named(name, ConvStyle.Dense);
        using var module = TorchRuntime.Seeded(3, () => OperationTable.Create(op, 5, affine: true, CellForm.Fused));
        var norms = module.modules().OfType<ScalarFreeBatchNorm2d>().ToArray();
        Assert.Equal(2, norms.Length); // the k×k convolution's and the branch's
        Assert.Single(module.modules().OfType<PointwiseBranch>());
        var generator = new Generator(7);
        module.train();
        for (var i = 0; i < 3; i++) using (var batch = rand(new long[] { 2, 5, 10, 10 }, generator: generator)) module.call(batch).Dispose();
        using (no_grad())
            foreach (var norm in norms)
            {
                norm.Weight!.uniform_(0.5, 1.5, generator); // the branch's γ no longer at its 0 start
                norm.Bias!.uniform_(-0.2, 0.2, generator);
            }
        module.eval();

        var emitter = new OneConvolution();
        ((IExportable)module).Emit(emitter, "x");
        var folded = emitter.Folded!;
        using var x = rand(new long[] { 1, 5, 12, 12 }, generator: generator);
        using var weight = tensor(folded.Weight).reshape(folded.Shape);
        using var bias = tensor(folded.Bias);
        using var exported = nn.functional.conv2d(x, weight, bias, padding: new[] { folded.Padding[0], folded.Padding[1] }, dilation: folded.Dilation);
        using var trained = module.call(x);
        Assert.True(exported.allclose(trained, rtol: 1e-4, atol: 1e-5), $"{name}: the folded convolution differs by {(exported - trained).abs().max().item<float>()}");
        // and the branch is there: the k×k convolution alone computes something else
        using var alone = FoldedConvWithoutBranch(module);
        Assert.False(alone.allclose(trained, rtol: 1e-3, atol: 1e-3));

        Tensor FoldedConvWithoutBranch(nn.Module m)
        {
            var conv = m.modules().OfType<TorchSharp.Modules.Conv2d>().First(c => c.weight!.shape[2] > 1);
            var plain = FoldedConv.From(conv, norms[0]);
            using var w = tensor(plain.Weight).reshape(plain.Shape);
            using var b = tensor(plain.Bias);
            return nn.functional.conv2d(x, w, b, padding: new[] { plain.Padding[0], plain.Padding[1] }, dilation: plain.Dilation);
        }
    }

    [Fact]
    public void OnlyA1x1ConvolutionOfTheSameShape_FoldsIntoTheCentre()
    {
        var kernel = new FoldedConv(new float[2 * 3 * 9], new long[] { 2, 3, 3, 3 }, new float[2], 1, new long[] { 1, 1, 1, 1 }, new long[] { 1, 1 });
        var other = new FoldedConv(new float[3 * 3], new long[] { 3, 3, 1, 1 }, new float[3], 1, new long[] { 0, 0, 0, 0 }, new long[] { 1, 1 });
        var error = Assert.Throws<ArgumentException>(() => kernel.WithCentre(other));
        Assert.Contains("[3, 3, 1, 1]", error.Message);
        var pointwise = new FoldedConv(new float[] { 1, 2, 3, 4, 5, 6 }, new long[] { 2, 3, 1, 1 }, new float[] { 0.5f, -1 }, 1, new long[] { 0, 0, 0, 0 }, new long[] { 1, 1 });
        var sum = kernel.WithCentre(pointwise);
        Assert.Equal(new[] { 1f, 2, 3, 4, 5, 6 }, Enumerable.Range(0, 6).Select(i => sum.Weight[i * 9 + 4]));
        Assert.Equal(6, sum.Weight.Count(w => w != 0));
        Assert.Equal(new[] { 0.5f, -1 }, sum.Bias);
    }
}
