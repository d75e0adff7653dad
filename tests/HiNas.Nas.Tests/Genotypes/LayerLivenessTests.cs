using HiNas.Imaging.Tasks;
using HiNas.Nas.Genotypes;
using HiNas.Nas.Latency;
using HiNas.Nas.Space;
using HiNas.Nas.Tests.Latency;

namespace HiNas.Nas.Tests.Genotypes;

/// <summary>
/// Dead layers: a cell whose nodes all read s1 leaves the layer before it unread, and the network is the layers its
/// output needs — found backwards from the head, priced without the dead layers and the projections of unread inputs,
/// and the latency floor of a space offering none is the cheapest such network.
/// </summary>
public class LayerLivenessTests
{
    private static readonly RestorationTask Task = RestorationTask.Denoise(25, 3);

    private static CellEdge E(string op, int input) => new(op, input);

    private static SearchSpace Space(int layers, int blocks, string operations, CellForm form = CellForm.Fused) =>
        new(Task, layers, blocks, 8, new[] { 1.0, 2.0 }, 8, pixelUnshuffle: 2, form: form, candidates: OperationSet.Parse(operations));

    /// <summary>One node reading s0 (conv) or s1 (conv), or both (conv + dilated conv).</summary>
    private static readonly CellGenotype FromS0 = new(new[] { E(OperationNames.Conv3x3, 0), E(OperationNames.None, 1) });
    private static readonly CellGenotype FromS1 = new(new[] { E(OperationNames.None, 0), E(OperationNames.Conv3x3, 1) });
    private static readonly CellGenotype FromBoth = new(new[] { E(OperationNames.Conv3x3, 0), E(OperationNames.DilConv3x3, 1) });

    [Fact]
    public void ALayerIsDead_WhenNoLiveLayerAfterItReadsIt()
    {
        var space = Space(6, 1, "conv_3x3,dil_conv_3x3,none");
        // 0-based: 5 reads s1 (layer 3), so nothing reads layer 4; 3 reads layers 2 and 1; 2 reads layer 0; 1 and 0 the stem
        var genotype = new Genotype(space, new[] { FromS0, FromS1, FromS1, FromBoth, FromS0, FromS1 }, new[] { 0, 0, 0, 0, 0, 0 });
        var live = genotype.Liveness;
        Assert.Equal(new[] { 4 }, live.Dead);
        Assert.True(live.ReadsPrevious(3) && live.ReadsBeforePrevious(3));
        Assert.True(live.ReadsBeforePrevious(5) && !live.ReadsPrevious(5));
        Assert.False(live.IsLive(4));
        Assert.False(live.ReadsPrevious(4) || live.ReadsBeforePrevious(4)); // a dead layer reads nothing

        // every other layer, from the head back: half the network is dead
        var chain = new Genotype(space, Enumerable.Repeat(FromS1, 6).ToArray(), new int[6]);
        Assert.Equal(new[] { 0, 2, 4 }, chain.Liveness.Dead);
        // a cell of several nodes reads s0 if any node does, through the nodes before it or not
        var deep = new CellGenotype(new[] { E(OperationNames.Conv3x3, 1), E(OperationNames.None, 0), E(OperationNames.Conv3x3, 2), E(OperationNames.Skip, 0) });
        Assert.True(deep.Reads(0) && deep.Reads(1));
        Assert.False(new CellGenotype(new[] { E(OperationNames.Conv3x3, 1), E(OperationNames.None, 0), E(OperationNames.Conv3x3, 2), E(OperationNames.None, 1) }).Reads(0));
        Assert.Empty(new Genotype(space, Enumerable.Repeat(FromBoth, 6).ToArray(), new int[6]).Liveness.Dead);
    }

    /// <summary>Genotypes that differ only in a dead layer (its cell or its width) or in a none edge's input build one network: one key (the ranking ranks it once).</summary>
    [Fact]
    public void TheNetworkKey_IgnoresDeadLayersAndTheInputsOfNoneEdges()
    {
        var space = Space(4, 2, "conv_3x3,dil_conv_3x3,none");
        CellGenotype Cell(params CellEdge[] edges) => new(edges);
        var live = Cell(E(OperationNames.Conv3x3, 0), E(OperationNames.None, 1), E(OperationNames.DilConv3x3, 2), E(OperationNames.None, 0));
        var liveNoneElsewhere = Cell(E(OperationNames.Conv3x3, 0), E(OperationNames.None, 1), E(OperationNames.DilConv3x3, 2), E(OperationNames.None, 1));
        var fromS1 = Cell(E(OperationNames.None, 0), E(OperationNames.Conv3x3, 1), E(OperationNames.Conv3x3, 2), E(OperationNames.None, 1));
        var other = Cell(E(OperationNames.DilConv3x3, 0), E(OperationNames.None, 1), E(OperationNames.DilConv3x3, 2), E(OperationNames.None, 0));
        // layer 3 (0-based) reads layer 1: layer 2 is dead
        var a = new Genotype(space, new[] { live, live, live, fromS1 }, new[] { 0, 1, 1, 1 });
        var b = new Genotype(space, new[] { live, liveNoneElsewhere, other, fromS1 }, new[] { 0, 1, 0, 1 });
        Assert.NotEqual(a, b);
        Assert.Equal(a.NetworkKey, b.NetworkKey);
        Assert.Contains("dead", a.NetworkKey);
        // a live layer's operation, or a live layer's width, is another network
        Assert.NotEqual(a.NetworkKey, a.WithCells(new[] { live, other, live, fromS1 }).NetworkKey);
        Assert.NotEqual(a.NetworkKey, a.OnWidthPath(new[] { 0, 0, 1, 1 }).NetworkKey);
    }

    [Fact]
    public void APredictionLeavesOutDeadLayers_AndTheProjectionsOfUnreadInputs()
    {
        // two widths (8 and 16 channels per node): a fused cell projects a state of other channels
        var space = Space(4, 1, "conv_3x3,dil_conv_3x3,none");
        var table = TestTables.Of(space);
        // 0-based: 3 reads 1 (s1) → 2 dead; 1 reads 0 (s0); 0 reads both stem states
        var genotype = new Genotype(space, new[] { FromBoth, FromS0, FromBoth, FromS1 }, new[] { 1, 1, 0, 0 });
        var c = new[] { space.NodeChannels(0), space.NodeChannels(1) };
        var conv = LatencyKeys.Operation(space.Operation(OperationNames.Conv3x3), c[0], 2, CellForm.Fused);
        var convWide = LatencyKeys.Operation(space.Operation(OperationNames.Conv3x3), c[1], 2, CellForm.Fused);
        var dilWide = LatencyKeys.Operation(space.Operation(OperationNames.DilConv3x3), c[1], 2, CellForm.Fused);
        var expected = new[]
        {
            LatencyKeys.Stem(space),
            // layer 0 at 16: both 8-channel stem states projected, two operations and their addition
            LatencyKeys.Projection(c[0], c[1], 2, CellForm.Fused), LatencyKeys.Projection(c[0], c[1], 2, CellForm.Fused),
            convWide, dilWide, LatencyKeys.Add(c[1], 2, CellForm.Fused),
            // layer 1 at 16 reads layer 0 (16: no projection); layer 2 dead; layer 3 at 8 reads layer 1 (16 → 8)
            convWide,
            LatencyKeys.Projection(c[1], c[0], 2, CellForm.Fused), conv,
            LatencyKeys.Head(space, c[0]),
        };
        Assert.Equal(expected, NetworkLatency.Parts(genotype));
        Assert.Equal(expected.Sum(table.Of), NetworkLatency.Predict(genotype, table), 9);
        // with layer 2 live (and layer 3 reading both) the prediction grows by more than a convolution
        var allLive = genotype.WithCells(new[] { FromBoth, FromS0, FromBoth, FromBoth });
        Assert.Empty(allLive.Liveness.Dead);
        Assert.True(NetworkLatency.Predict(allLive, table) > NetworkLatency.Predict(genotype, table) + table.Of(conv));
    }

    /// <summary>Every network of a small space (first edge on s0, second on s1, each any offered operation or none), priced: none is under the floor, and the floor is one of them.</summary>
    [Theory]
    [InlineData("conv_3x3,skip_connect,none", CellForm.Fused)]
    [InlineData("conv_3x3,dil_conv_3x3,none", CellForm.Fused)]
    [InlineData("conv_3x3,skip_connect,none", CellForm.Paper)]
    [InlineData("conv_3x3,skip_connect", CellForm.Fused)]
    public void TheFloorIsTheCheapestNetworkOfTheSpace_DeadLayersCounted(string operations, CellForm form)
    {
        var space = Space(4, 1, operations, form);
        var table = TestTables.Of(space);
        var ops = space.Offered.Select(o => o.Name).Concat(space.Candidates.OffersNone ? new[] { OperationNames.None } : Array.Empty<string>()).ToArray();
        var cells = (from a in ops from b in ops where a != OperationNames.None || b != OperationNames.None
                     select new CellGenotype(new[] { E(a, 0), E(b, 1) })).ToArray();
        var paths = Paths(space.Layers, space.WidthFactors.Count).ToArray();
        var cheapest = double.PositiveInfinity;
        foreach (var path in paths)
            foreach (var choice in Choices(space.Layers, cells.Length))
                cheapest = Math.Min(cheapest, NetworkLatency.Predict(new Genotype(space, choice.Select(i => cells[i]).ToArray(), path), table));
        var floor = LatencyFloor.Of(space, table);
        Assert.Equal(cheapest, floor.Milliseconds, 9);
        Assert.Equal(NetworkLatency.Predict(floor.Network, table), floor.Milliseconds, 9);
        if (space.Candidates.OffersNone) Assert.Equal(new[] { 0, 2 }, floor.Network.Liveness.Dead);
        else Assert.Empty(floor.Network.Liveness.Dead);
    }

    private static IEnumerable<int[]> Paths(int layers, int widths)
    {
        IEnumerable<int[]> Extend(int[] prefix) => prefix.Length == layers ? new[] { prefix }
            : new[] { -1, 0, 1 }.Select(d => (prefix.Length == 0 ? 0 : prefix[^1]) + d).Where(w => w >= 0 && w < widths).SelectMany(w => Extend(prefix.Append(w).ToArray()));
        return Extend(Array.Empty<int>());
    }

    private static IEnumerable<int[]> Choices(int layers, int options) =>
        Enumerable.Range(0, (int)Math.Pow(options, layers)).Select(n => Enumerable.Range(0, layers).Select(l => n / (int)Math.Pow(options, l) % options).ToArray());
}
