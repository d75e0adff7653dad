using HiNas.Imaging.Tasks;
using HiNas.Nas.Genotypes;
using HiNas.Nas.Latency;
using HiNas.Nas.Space;

namespace HiNas.Nas.Tests.Genotypes;

/// <summary>
/// A space whose operations include none: a node may be one operation (its other edge none, never both), so the space
/// holds the plain stack. Parsed, recorded, drawn, derived, validated and priced.
/// </summary>
public class SingleOperationNodeTests
{
    private static readonly RestorationTask Task = RestorationTask.Denoise(25, 3);

    private static SearchSpace Space(string operations, int blocks = 2) =>
        new(Task, 4, blocks, 8, new[] { 1.0, 2.0 }, 8, pixelUnshuffle: 2, form: CellForm.Fused, candidates: OperationSet.Parse(operations));

    private static CellEdge E(string op, int input) => new(op, input);

    private static bool HasTwoNones(CellGenotype cell) =>
        Enumerable.Range(0, cell.Blocks).Any(n => cell.Node(n) is ({ Op: OperationNames.None }, { Op: OperationNames.None }));

    [Fact]
    public void NoneIsOfferedOnlyWhenNamed_BesideAnOperation_AndIsRecorded()
    {
        var set = OperationSet.Parse("none,conv_3x3,skip_connect");
        Assert.True(set.OffersNone);
        Assert.Equal(new[] { OperationNames.Conv3x3, OperationNames.Skip, OperationNames.None }, set.Names);
        Assert.False(set.IsAll);
        Assert.False(OperationSet.All.OffersNone);
        Assert.False(OperationSet.Parse("conv_3x3,skip_connect").OffersNone);
        Assert.Contains("'none' alone", Assert.Throws<ArgumentException>(() => OperationSet.Parse("none")).Message);
        Assert.Contains("'none' alone", Assert.Throws<ArgumentException>(() => OperationSet.Parse("none,none")).Message);
        Assert.False(OperationSet.Parse(string.Join(",", OperationSet.All.Names) + ",none").IsAll);
        Assert.Equal(OperationSet.All.Names.Append(OperationNames.None), OperationSet.Parse("all,none").Names);

        var genotype = RandomGenotype.Sample(Space("conv_3x3,skip_connect,none"), 5);
        var back = GenotypeJson.Deserialize(GenotypeJson.Serialize(genotype));
        Assert.Equal(genotype, back);
        Assert.True(back.Space.Candidates.OffersNone);
    }

    [Fact]
    public void AGenotypeRefusesNoneOutsideSuchASpace_AndANodeOfTwoNones()
    {
        var plain = new CellGenotype(new[] { E(OperationNames.Conv3x3, 0), E(OperationNames.None, 1), E(OperationNames.Conv3x3, 2), E(OperationNames.None, 0) });
        var path = new[] { 0, 0, 0, 0 };
        var genotype = new Genotype(Space("conv_3x3,none"), Enumerable.Repeat(plain, 4).ToArray(), path);
        Assert.False(genotype.IsAllSkip);

        var outside = Assert.Throws<ArgumentException>(() => new Genotype(Space("conv_3x3,skip_connect"), Enumerable.Repeat(plain, 4).ToArray(), path));
        Assert.Contains("layer 1 node 0: 'none' is not derived in this space", outside.Message);
        Assert.Contains("add none", outside.Message);

        var empty = new CellGenotype(new[] { E(OperationNames.Conv3x3, 0), E(OperationNames.Skip, 1), E(OperationNames.None, 0), E(OperationNames.None, 2) });
        var refused = Assert.Throws<ArgumentException>(() => new Genotype(Space("conv_3x3,skip_connect,none"), new[] { plain, plain, empty, plain }, path));
        Assert.Contains("layer 3 node 1: both edges are none", refused.Message);
    }

    [Fact]
    public void DrawsPutNoneOnOneEdgeOfANodeAtMost_AndOnlyWhereTheSpaceDerivesIt()
    {
        var space = Space("conv_3x3,skip_connect,none", blocks: 3);
        var drawn = Enumerable.Range(1, 60).Select(seed => RandomGenotype.Sample(space, (ulong)seed)).ToArray();
        Assert.Contains(drawn, g => g.Cells.Any(c => c.Edges.Any(e => e.Op == OperationNames.None)));
        Assert.DoesNotContain(drawn, g => g.Cells.Any(HasTwoNones));
        Assert.DoesNotContain(Enumerable.Range(1, 60).Select(seed => RandomGenotype.Sample(Space("conv_3x3,skip_connect", 3), (ulong)seed)),
            g => g.Cells.Any(c => c.Edges.Any(e => e.Op == OperationNames.None)));

        // α all but none: the sampler still never draws a node of two nones
        var alpha = new[] { Enumerable.Range(0, CellTopology.EdgeCount(3)).Select(_ => new[] { 0.0, 0, 0, 0, 0, 0, 9.0 }).ToArray() };
        var sampled = Enumerable.Range(1, 30).Select(seed => GenotypeSampler.FromAlpha(space, alpha, new[] { 0, 0, 0, 0 }, (ulong)seed)).ToArray();
        Assert.DoesNotContain(sampled, g => g.Cells.Any(HasTwoNones));
        Assert.All(sampled, g => Assert.All(g.Cells, c => Assert.Equal(c.Blocks, Enumerable.Range(0, c.Blocks).Count(n => c.Node(n).First.Op == OperationNames.None || c.Node(n).Second.Op == OperationNames.None))));
    }

    /// <summary>A node of one operation is as likely drawn on s0 as on s1 (a pair of nones is drawn again whole), so draws do not lean to cells that leave the layer before them dead.</summary>
    [Fact]
    public void ADrawnNodeOfOneOperation_ReadsS0AsOftenAsS1()
    {
        var space = Space("conv_3x3,none", blocks: 1);
        var nodes = Enumerable.Range(1, 600).SelectMany(seed => RandomGenotype.Sample(space, (ulong)seed).Cells).Select(c => c.Node(0)).ToArray();
        var fromS0 = nodes.Count(n => n.Second.Op == OperationNames.None);
        var fromS1 = nodes.Count(n => n.First.Op == OperationNames.None);
        // (conv, conv), (conv, none), (none, conv) a third each: 800 ± 23 of 2,400
        Assert.InRange(fromS0, 700, 900);
        Assert.InRange(fromS1, 700, 900);
    }

    [Fact]
    public void TheDerivationMakesANodesWeakerEdgeNone_WhereNoneOutweighsItsOperation()
    {
        // node 0: s0 conv strongly; s1 weak conv, strong none → conv(s0) alone. node 1: both inputs' convs outweigh none.
        var edges = CellTopology.EdgeCount(2);
        var alpha = Enumerable.Range(0, edges).Select(_ => new double[OperationNames.Count]).ToArray();
        alpha[CellTopology.Edge(0, 0)][OperationNames.IndexOf(OperationNames.Conv3x3)] = 6;
        alpha[CellTopology.Edge(0, 1)][OperationNames.IndexOf(OperationNames.Conv3x3)] = 1;
        alpha[CellTopology.Edge(0, 1)][OperationNames.NoneIndex] = 4;
        alpha[CellTopology.Edge(1, 2)][OperationNames.IndexOf(OperationNames.Skip)] = 5;
        alpha[CellTopology.Edge(1, 0)][OperationNames.IndexOf(OperationNames.Conv3x3)] = 5;
        var withNone = Derivation.DeriveCellByStrength(alpha.Select(Derivation.Softmax).ToArray(), 2, OperationSet.Parse("conv_3x3,skip_connect,none"));
        Assert.Equal(new[] { E(OperationNames.Conv3x3, 0), E(OperationNames.None, 1), E(OperationNames.Conv3x3, 0), E(OperationNames.Skip, 2) }, withNone.Edges);
        var withoutNone = Derivation.DeriveCellByStrength(alpha.Select(Derivation.Softmax).ToArray(), 2, OperationSet.Parse("conv_3x3,skip_connect"));
        Assert.Equal(E(OperationNames.Conv3x3, 1), withoutNone.Edges[1]);

        // measured strengths: none counts 0, so an operation the supernet validates better without becomes none
        var measured = Enumerable.Range(0, edges).Select(_ => new double[OperationNames.Count]).ToArray();
        foreach (var edge in measured) edge[OperationNames.IndexOf(OperationNames.Conv3x3)] = 0.5;
        measured[CellTopology.Edge(1, 2)][OperationNames.IndexOf(OperationNames.Conv3x3)] = -0.2;
        measured[CellTopology.Edge(1, 0)][OperationNames.IndexOf(OperationNames.Conv3x3)] = -0.1;
        measured[CellTopology.Edge(1, 1)][OperationNames.IndexOf(OperationNames.Conv3x3)] = -0.3;
        var cell = Derivation.DeriveCellByStrength(measured, 2, OperationSet.Parse("conv_3x3,none"));
        Assert.Equal(new[] { E(OperationNames.Conv3x3, 0), E(OperationNames.Conv3x3, 1), E(OperationNames.Conv3x3, 0), E(OperationNames.None, 2) }, cell.Edges);
    }

    [Fact]
    public void ANodeOfOneComputingOperationHasNoAddition_AndTheFloorUsesTheCheapestNode_OnEveryOtherLayer()
    {
        var space = Space("conv_3x3,skip_connect,none", blocks: 1);
        const int c = 8;
        var add = LatencyKeys.Add(c, 2, CellForm.Fused);
        var conv = LatencyKeys.Operation(space.Operation(OperationNames.Conv3x3), c, 2, CellForm.Fused);
        Assert.Equal(new[] { conv }, NetworkLatency.NodeParts(space, (E(OperationNames.Conv3x3, 0), E(OperationNames.None, 1)), c));
        Assert.Equal(new[] { conv }, NetworkLatency.NodeParts(space, (E(OperationNames.None, 0), E(OperationNames.Conv3x3, 1)), c));
        // a fused skip is scaled (one Mul); alone in its node, its ReLU is a pass of its own
        var skip = LatencyKeys.Operation(space.Operation(OperationNames.Skip), c, 2, CellForm.Fused);
        Assert.Equal(new[] { skip, add }, NetworkLatency.NodeParts(space, (E(OperationNames.Skip, 0), E(OperationNames.None, 1)), c));
        Assert.Equal(new[] { conv, skip, add }, NetworkLatency.NodeParts(space, (E(OperationNames.Conv3x3, 0), E(OperationNames.Skip, 1)), c));
        // in the paper's cells a node of one skip is its state: nothing to pass over
        var paper = new SearchSpace(Task, 4, 1, 8, new[] { 1.0 }, 8, candidates: OperationSet.Parse("conv_3x3,skip_connect,none"));
        Assert.Empty(NetworkLatency.NodeParts(paper, (E(OperationNames.Skip, 0), E(OperationNames.None, 1)), c));

        // without skips, the floor's node is one convolution, not two and their addition
        var noSkips = Space("conv_3x3,none", blocks: 1);
        var keys = new[] { 0, 1 }.SelectMany(w => new[] { LatencyKeys.Add(noSkips.NodeChannels(w), 2, CellForm.Fused), LatencyKeys.Operation(noSkips.Operation(OperationNames.Conv3x3), noSkips.NodeChannels(w), 2, CellForm.Fused) })
            .Concat(new[] { LatencyKeys.Stem(noSkips), LatencyKeys.Head(noSkips, noSkips.NodeChannels(0)), LatencyKeys.Head(noSkips, noSkips.NodeChannels(1)) })
            .Concat(new[] { 0, 1 }.SelectMany(a => new[] { 0, 1 }.Select(b => LatencyKeys.Projection(noSkips.NodeChannels(a), noSkips.NodeChannels(b), 2, CellForm.Fused))));
        var table = new LatencyTable
        {
            Device = "test", Runtime = "test", Width = 32, Height = 32, Repeats = 1,
            Milliseconds = keys.Distinct().ToDictionary(k => k, k => k.Contains("conv_3x3") ? 3.0 : 0.5),
        };
        var floor = LatencyFloor.Of(noSkips, table);
        // the live layers, every other one from the head back, read their two-back state (s1): the layers between are dead
        Assert.Equal(new[] { 0, 2 }, floor.Network.Liveness.Dead);
        Assert.All(new[] { 1, 3 }, l => Assert.Equal(new[] { E(OperationNames.Conv3x3, 1), E(OperationNames.None, 0) }, floor.Network.Cells[l].Edges));
        Assert.Equal(NetworkLatency.Predict(floor.Network, table), floor.Milliseconds, 9);
    }
}
