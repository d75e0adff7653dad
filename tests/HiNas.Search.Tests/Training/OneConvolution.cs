using HiNas.Search.Export;

namespace HiNas.Search.Tests.Training;

/// <summary>Records the one convolution a fused operation emits.</summary>
internal sealed class OneConvolution : IGraphEmitter
{
    public FoldedConv? Folded { get; private set; }

    public string Conv(string x, FoldedConv conv)
    {
        Assert.Null(Folded);
        Folded = conv;
        return "y";
    }

    public string LeakyRelu(string x, double slope) => throw new InvalidOperationException("not one convolution");
    public string Relu(string x) => throw new InvalidOperationException("not one convolution");
    public string Add(string a, string b) => throw new InvalidOperationException("not one convolution");
    public string Sub(string a, string b) => throw new InvalidOperationException("not one convolution");
    public string Scale(string x, float[] perChannel) => throw new InvalidOperationException("not one convolution");
    public string Concat(IEnumerable<string> parts) => throw new InvalidOperationException("not one convolution");
    public string SpaceToDepth(string x, int blocksize) => throw new InvalidOperationException("not one convolution");
    public string PixelShuffle(string x, int scale) => throw new InvalidOperationException("not one convolution");
    public string BicubicPhases(string x, long channels, int scale, int blocks) => throw new InvalidOperationException("not one convolution");
}
