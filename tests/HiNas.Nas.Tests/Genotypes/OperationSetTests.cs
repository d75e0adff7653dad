using HiNas.Imaging.Tasks;
using HiNas.Nas.Genotypes;
using HiNas.Nas.Latency;
using HiNas.Nas.Settings;
using HiNas.Nas.Space;

namespace HiNas.Nas.Tests.Genotypes;

/// <summary>A space that offers only some operations: parsed, recorded, and kept to by every draw, derivation and floor.</summary>
public class OperationSetTests
{
    private static readonly RestorationTask Task = RestorationTask.Denoise(25, 3);

    private static SearchSpace Space(string operations) =>
        new(Task, 4, 2, 8, new[] { 1.0, 2.0 }, 8, pixelUnshuffle: 2, form: CellForm.Fused, candidates: OperationSet.Parse(operations));

    [Fact]
    public void ASetIsParsedInAlphasOrder_AndBadListsAreRefusedByName()
    {
        var set = OperationSet.Parse(" skip_connect, dil_conv_3x3,conv_3x3 ");
        Assert.Equal(new[] { OperationNames.Conv3x3, OperationNames.DilConv3x3, OperationNames.Skip }, set.Names);
        Assert.True(set.Offers(OperationNames.None));
        Assert.False(set.Offers(OperationNames.SepConv3x3));
        Assert.False(set.IsAll);
        Assert.True(OperationSet.Parse("all").IsAll);
        Assert.Equal(OperationSet.All, OperationSet.Parse(string.Join(",", OperationSet.All.Names)));
        Assert.Contains("unknown operation 'conv_7x7'", Assert.Throws<ArgumentException>(() => OperationSet.Parse("conv_3x3,conv_7x7")).Message);
        Assert.Contains("'none'", Assert.Throws<ArgumentException>(() => OperationSet.Parse("none")).Message);
        Assert.Contains("names no operation", Assert.Throws<ArgumentException>(() => OperationSet.Parse(" , ")).Message);

        var refused = Assert.Throws<SettingException>(() => SearchOptionsResolver.Resolve(Task, new SearchSettings { Operations = "conv_3x3,sep_conv_7x7" }));
        Assert.Equal("operations", refused.Setting);
        Assert.Contains("sep_conv_7x7", refused.Message);
        Assert.Equal(set, SearchOptionsResolver.Resolve(Task, new SearchSettings { Operations = "conv_3x3,dil_conv_3x3,skip_connect" }).Supernet.Space.Candidates);
        Assert.True(SearchOptionsResolver.Resolve(Task, new SearchSettings()).Supernet.Candidates.IsAll);
    }

    [Fact]
    public void RandomAndSampledGenotypesUseOnlyTheOfferedOperations_AndAGenotypeOutsideTheSetIsRefused()
    {
        var space = Space("conv_3x3,skip_connect");
        var ops = Enumerable.Range(1, 40).SelectMany(seed => RandomGenotype.Sample(space, (ulong)seed).Cells.SelectMany(c => c.Edges).Select(e => e.Op)).ToHashSet();
        Assert.Equal(new HashSet<string> { OperationNames.Conv3x3, OperationNames.Skip }, ops);

        // α favouring a separable convolution everywhere: the sampler and the derivation still keep to the set
        var alpha = new[] { Enumerable.Range(0, CellTopology.EdgeCount(2)).Select(_ => new[] { 0.0, 5.0, 5.0, 0.0, 0.0, -1.0, 0.0 }).ToArray() };
        var drawn = Enumerable.Range(1, 20).SelectMany(seed => GenotypeSampler.FromAlpha(space, alpha, new[] { 0, 0, 0, 0 }, (ulong)seed).Cells.SelectMany(c => c.Edges)).Select(e => e.Op).ToHashSet();
        Assert.Subset(new HashSet<string> { OperationNames.Conv3x3, OperationNames.Skip }, drawn);
        var beta = Enumerable.Range(0, space.Lattice.SourceCount).Select(_ => new double[WidthLattice.MoveCount]).ToArray();
        var derived = Derivation.Derive(space, alpha, beta);
        Assert.All(derived.Cells.SelectMany(c => c.Edges), e => Assert.Equal(OperationNames.Conv3x3, e.Op));

        var outside = new CellGenotype(new[] { new CellEdge(OperationNames.SepConv3x3, 0), new CellEdge(OperationNames.Skip, 1), new CellEdge(OperationNames.Conv3x3, 0), new CellEdge(OperationNames.Skip, 2) });
        var error = Assert.Throws<ArgumentException>(() => new Genotype(space, Enumerable.Repeat(outside, 4).ToArray(), new[] { 0, 0, 0, 0 }));
        Assert.Contains("'sep_conv_3x3' is not one of the space's operations (conv_3x3, skip_connect)", error.Message);
    }

    [Fact]
    public void TheSetIsRecordedInGenotypeAndOptionsFiles_AndAbsentMeansAll()
    {
        var genotype = RandomGenotype.Sample(Space("conv_3x3,dil_conv_3x3,skip_connect"), 3);
        var json = GenotypeJson.Serialize(genotype);
        Assert.Contains("\"operations\"", json);
        var back = GenotypeJson.Deserialize(json);
        Assert.Equal(genotype, back);
        Assert.Equal(genotype.Space.Candidates, back.Space.Candidates);
        Assert.DoesNotContain("\"operations\"", GenotypeJson.Serialize(RandomGenotype.Sample(Space("all"), 3)));
        Assert.Contains("unknown operation 'conv_9x9'", Assert.Throws<InvalidDataException>(() => GenotypeJson.Deserialize(json.Replace("\"dil_conv_3x3\"\n", "\"conv_9x9\"\n").Replace("\"dil_conv_3x3\",\n", "\"conv_9x9\",\n"))).Message);

        var options = SearchOptionsResolver.Resolve(Task, new SearchSettings { Operations = "conv_3x3,skip_connect", CellForm = "fused" });
        var path = Path.Combine(Path.GetTempPath(), $"hinas-operations-{Guid.NewGuid():N}.json");
        try
        {
            SearchOptionsJson.Save(options, path);
            Assert.Contains("\"operations\"", File.ReadAllText(path));
            Assert.Equal(options.Supernet.Candidates, SearchOptionsJson.Load(path).Supernet.Candidates);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void TheFloorOfASpaceWithoutSkips_UsesItsCheapestOperation()
    {
        var space = Space("conv_3x3,sep_conv_3x3");
        var table = new LatencyTable
        {
            Device = "test", Runtime = "test", Width = 32, Height = 32, Repeats = 1,
            Milliseconds = NetworkLatencyKeys(space).ToDictionary(k => k, k => k.Contains("sep_conv_3x3") ? 1.0 : k.Contains("conv_3x3") ? 3.0 : 0.5),
        };
        var floor = LatencyFloor.Of(space, table);
        Assert.All(floor.Network.Cells.SelectMany(c => c.Edges), e => Assert.Equal(OperationNames.SepConv3x3, e.Op));
        Assert.Equal(NetworkLatency.Predict(floor.Network, table), floor.Milliseconds, 9);
        Assert.Contains("sep_conv_3x3", floor.Refuses(floor.Milliseconds - 1, table));
    }

    /// <summary>Every key a network of <paramref name="space"/> can need: its networks on every width path, with every offered operation.</summary>
    private static IEnumerable<string> NetworkLatencyKeys(SearchSpace space)
    {
        var keys = new HashSet<string>();
        foreach (var op in space.Candidates.Names)
            foreach (var path in new[] { new[] { 0, 0, 0, 0 }, new[] { 1, 1, 1, 1 }, new[] { 0, 1, 0, 1 }, new[] { 1, 0, 1, 0 }, new[] { 1, 1, 0, 0 }, new[] { 0, 0, 1, 1 }, new[] { 1, 0, 0, 1 }, new[] { 0, 1, 1, 0 } })
            {
                var cell = new CellGenotype(new[] { new CellEdge(op, 0), new CellEdge(op, 1), new CellEdge(op, 0), new CellEdge(op, 2) });
                keys.UnionWith(NetworkLatency.Parts(new Genotype(space, Enumerable.Repeat(cell, 4).ToArray(), path)));
            }
        return keys;
    }
}
