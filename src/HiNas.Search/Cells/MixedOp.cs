using HiNas.Search.Operations;
using HiNas.Search.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using HiNas.Nas.Space;

namespace HiNas.Search.Cells;

/// <summary>
/// One searchable edge: Σ_o softmax(α)[o] · o(x) over the space's offered operations ("none" adds zero; those not
/// offered have no module and no weight). In training mode
/// the skip connection's output can be dropped out (<see cref="SkipDropout"/>, P-DARTS's remedy for the collapse
/// toward skip connections: an untrained supernet rewards the identity before the convolutions have learnt anything),
/// and every operation's output can be dropped per sample (<see cref="OperationDropout"/>, the path dropout of one-shot
/// searches: an operation that the others cover for learns to restore on its own).
/// </summary>
public sealed class MixedOp : Module<Tensor, Tensor, Tensor>
{
    private readonly TorchSharp.Modules.ModuleList<Module<Tensor, Tensor>> ops;
    private readonly int[] _opIndex;
    private readonly Module<Tensor, Tensor>? act;
    private readonly ScaledIdentity? skipAlone;

    /// <param name="space">the space whose offered operations (<see cref="SearchSpace.Offered"/>) the edge mixes, in its
    /// cell form: in the paper's the operations begin with the LeakyReLU (shared here)</param>
    public MixedOp(SearchSpace space, long channels) : base(nameof(MixedOp))
    {
        ops = new TorchSharp.Modules.ModuleList<Module<Tensor, Tensor>>();
        var indices = new List<int>();
        foreach (var op in space.Offered)
        {
            ops.Add(OperationTable.Create(op, channels, affine: false, space.Form));
            indices.Add(OperationNames.IndexOf(op.Name));
        }
        _opIndex = indices.ToArray();
        if (space.Form == CellForm.Paper) act = LeakyReLU(ReluConvBn.Slope);
        // the fused skip of a node without a convolution has factors of its own, started at 1 as the derived cell starts
        // them: the edge's own start at 0 would make such a node ReLU(0), no output and no gradient
        if (space.Offered.Any(op => op.Kind == OperationKind.ScaledSkip))
        {
            skipAlone = new ScaledIdentity(channels);
            skipAlone.StartAsIdentity();
        }
        RegisterComponents();
    }

    /// <summary>Dropout rate on the skip connection's output while training (0: none).</summary>
    public double SkipDropout { get; set; }

    /// <summary>
    /// Rate at which each operation's whole output is dropped for a sample while training (0: none); the kept ones are
    /// scaled by 1 / (1 − p), so the edge's expected output is the mixture's.
    /// </summary>
    public double OperationDropout { get; set; }

    /// <summary>The generator of the dropout masks (the supernet's own, so that a search is reproducible and resumable).</summary>
    public Generator? DropoutGenerator { get; set; }

    /// <param name="x">the input state</param>
    /// <param name="weights">softmax weights over all operations, shape [|ops|]</param>
    /// <remarks>
    /// The operations that begin with the LeakyReLU (the paper's form) share one activation of <paramref name="x"/>. The weighted sum
    /// accumulates in place, and each operation's output handle is released as soon as it is added: autograd keeps
    /// what its backward needs (the output only while the weights require gradients, i.e. in an architecture step),
    /// everything else is freed at once rather than at the end of the step.
    /// </remarks>
    public override Tensor forward(Tensor x, Tensor weights)
    {
        using var activated = act?.call(x);
        Tensor? sum = null;
        for (var i = 0; i < _opIndex.Length; i++)
        {
            var op = ops[i];
            var output = op is IPreActivated { IsPreActivated: true } preActivated ? preActivated.ForwardActivated(activated!) : op.call(x);
            if (_opIndex[i] == OperationNames.SkipIndex && training && SkipDropout > 0)
            {
                var dropped = DropOut(output, output.shape, SkipDropout);
                output.Dispose();
                output = dropped;
            }
            if (training && OperationDropout > 0)
            {
                var dropped = DropOut(output, new[] { output.shape[0], 1L, 1L, 1L }, OperationDropout);
                output.Dispose();
                output = dropped;
            }
            using var weight = weights[_opIndex[i]];
            if (sum is null) sum = output.mul(weight);
            else TensorMath.AddProductInPlace(sum, output, weight);
            output.Dispose();
        }
        return sum!;
    }

    /// <summary>
    /// The edge reduced to one of its operations, at weight 1 and without dropout (a sub-network of the supernet run on
    /// its own: <see cref="Supernets.Supernet.SetSubnetwork"/>).
    /// </summary>
    /// <param name="operation">the operation's index on α's last axis (not `none`)</param>
    /// <param name="besideConvolution">whether the node has a convolution: a fused skip in a node without one runs with
    /// its own factors, started at 1 (the derived cell's <see cref="ScaledIdentity.StartAsIdentity"/>)</param>
    public Tensor ForwardOne(Tensor x, int operation, bool besideConvolution)
    {
        if (!besideConvolution && skipAlone is not null && operation == OperationNames.SkipIndex) return skipAlone.call(x);
        var i = Array.IndexOf(_opIndex, operation);
        if (i < 0) throw new ArgumentOutOfRangeException(nameof(operation), operation, $"'{OperationNames.All[operation]}' is not an operation an edge can run");
        if (ops[i] is not IPreActivated { IsPreActivated: true } preActivated) return ops[i].call(x);
        using var activated = act!.call(x);
        return preActivated.ForwardActivated(activated);
    }

    /// <summary>Inverted dropout: each mask element (broadcast over <paramref name="x"/>) kept with probability 1 − p and scaled by 1 / (1 − p).</summary>
    private Tensor DropOut(Tensor x, long[] maskShape, double p)
    {
        using var keep = torch.rand(maskShape, ScalarType.Float32, generator: DropoutGenerator).ge(p).to(x.dtype).to(x.device);
        using var kept = x * keep;
        return kept.mul(1.0 / (1.0 - p));
    }
}
