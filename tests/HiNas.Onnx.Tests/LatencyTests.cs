using HiNas.Imaging.Tasks;
using HiNas.Onnx.Latency;
using HiNas.Search.Latency;
using HiNas.Search.Runtime;
using HiNas.Search.Supernets;
using TorchSharp;
using static TorchSharp.torch;
using HiNas.Nas.Latency;
using HiNas.Nas.Settings;
using HiNas.Nas.Space;

namespace HiNas.Onnx.Tests;

/// <summary>The latency table (real ONNX Runtime measurements, tiny resolution) and the expected latency of a supernet.</summary>
public class LatencyTests
{
    public LatencyTests() => TorchRuntime.EnsureInitialized();

    private static readonly SupernetConfig Space = new() { Task = RestorationTask.Denoise(25, 3), Layers = 3, Blocks = 2, Filters = 4, StemChannels = 8 };

    /// <summary>The same sizes in the frame-time space: pixel-unshuffle 2, with the separable head convolution.</summary>
    private static readonly SupernetConfig FrameTime = Space with { PixelUnshuffle = 2, HeadConv = ConvStyle.Separable };

    /// <summary>The frame-time sizes with fused cells of one node, widths 4/8/12 (a state of the cell's channels is not projected).</summary>
    private static readonly SupernetConfig Fused = FrameTime with { Blocks = 1, WidthFactors = new[] { 1.0, 2.0, 3.0 }, Form = CellForm.Fused };

    private static LatencyTable? _table;
    private static LatencyTable? _frameTimeTable;
    private static LatencyTable? _fusedTable;

    /// <summary>One profile for the class: every part at 24×16, 3 runs each.</summary>
    private static LatencyTable Table => _table ??= LatencyProfiler.Profile(Space.Space, 24, 16, repeats: 3);

    private static LatencyTable FrameTimeTable => _frameTimeTable ??= LatencyProfiler.Profile(FrameTime.Space, 24, 16, repeats: 3);

    private static LatencyTable FusedTable => _fusedTable ??= LatencyProfiler.Profile(Fused.Space, 24, 16, repeats: 3);

    [Fact]
    public void AFusedProfile_PricesItsOwnParts_AndEveryNetworkOfItsSpace()
    {
        var table = FusedTable;
        var keys = table.Milliseconds.Keys.ToArray();
        Assert.DoesNotContain(keys, key => key.StartsWith("op:") || key.StartsWith("proj:") || key.StartsWith("add:") || key.StartsWith("concat")
            || key.StartsWith("stem:") || key.StartsWith("head"));
        Assert.Contains(LatencyKeys.Operation(Fused.Space.Operation(OperationNames.Conv3x3), 8, 2, CellForm.Fused), keys);
        // projections only between different channels: none from a width's own output to the same width
        Assert.DoesNotContain(LatencyKeys.Projection(8, 8, 2, CellForm.Fused), keys);
        Assert.Contains(LatencyKeys.Projection(4, 8, 2, CellForm.Fused), keys);
        for (ulong g = 1; g <= 10; g++)
            Assert.True(NetworkLatency.Predict(HiNas.Nas.Genotypes.RandomGenotype.Sample(Fused.Space, g), table) > 0);
        // the frame-time paper-form table cannot price a fused network
        Assert.Throws<KeyNotFoundException>(() => NetworkLatency.Predict(HiNas.Nas.Genotypes.RandomGenotype.Sample(Fused.Space, 1), FrameTimeTable));
    }

    /// <summary>
    /// A float table of fused cells prices its parts without the blocked-layout reorders a network does not run: the
    /// ends taken off are those a convolution reads or writes (an operation's both, a projection's, the stem's output,
    /// the head's features), not a sum's operands nor the image; the reorders are kept per channel count and round-trip.
    /// </summary>
    [Fact]
    public void AFusedFloatTable_TakesTheReordersOffTheEndsANetworkKeepsInTheBlockedLayout()
    {
        var space = Fused.Space;
        var parts = LatencyProfiler.Parts(space).DistinctBy(p => p.Key).ToDictionary(p => p.Key, p => p.Part);
        int[] Ends(string key) => BlockedLayout.Ends(parts[key].Build(), parts[key].Inputs).ToArray();
        Assert.Equal(new[] { 8, 8 }, Ends(LatencyKeys.Operation(space.Operation(OperationNames.Conv3x3), 8, 2, CellForm.Fused)));
        Assert.Equal(new[] { 12, 12 }, Ends(LatencyKeys.Operation(space.Operation(OperationNames.DilConv3x3), 12, 2, CellForm.Fused)));
        Assert.Equal(new[] { 4, 8 }, Ends(LatencyKeys.Projection(4, 8, 2, CellForm.Fused)));
        Assert.Empty(Ends(LatencyKeys.Add(8, 2, CellForm.Fused)));
        Assert.Equal(new[] { 4, 4 }, Ends(LatencyKeys.Stem(space))); // its 8 channels projected to the first cell's two states
        Assert.Equal(new[] { 12 }, Ends(LatencyKeys.Head(space, 12)));

        var table = FusedTable;
        Assert.Equal(new[] { "12/2", "4/2", "8/2" }, table.Reorders!.Keys.Order(StringComparer.Ordinal));
        Assert.All(table.Reorders.Values, ms => Assert.True(ms >= 0 && ms < 1000));
        Assert.Null(FrameTimeTable.Reorders);
        Assert.Null(Table.Reorders);
        var path = Path.Combine(Path.GetTempPath(), $"latency-{Guid.NewGuid():N}.json");
        table.Save(path);
        Assert.Equal(table.Reorders, LatencyTable.Load(path).Reorders);
        (table with { Reorders = new Dictionary<string, double> { ["8/2"] = -1 } }).Save(path);
        Assert.Contains("negative", Assert.Throws<InvalidDataException>(() => LatencyTable.Load(path)).Message);
    }

    [Fact]
    public void AFrameTimeProfile_KeysEveryPartAtItsResolution_AndPredictsItsNetworks()
    {
        var table = FrameTimeTable;
        Assert.All(table.Milliseconds.Keys, key => Assert.EndsWith("/2", key));
        // the head is priced as the space builds it: separable here, dense in the paper's table
        Assert.Contains(LatencyKeys.Head(FrameTime.Space, 2 * Space.NodeChannels(2)), table.Milliseconds.Keys);
        Assert.DoesNotContain(table.Milliseconds.Keys, key => key.StartsWith("head:", StringComparison.Ordinal));
        Assert.Equal(ConvStyle.Separable, LatencyFloor.Of(FrameTime.Space, table).Network.Space.HeadConv);
        Assert.All(table.Milliseconds.Values, ms => Assert.True(ms > 0 && ms < 1000));
        // the paper's table cannot price a frame-time network, nor the other way round
        var network = LatencyFloor.Of(FrameTime.Space, table).Network;
        Assert.Equal(2, network.Space.PixelUnshuffle);
        Assert.True(NetworkLatency.Predict(network, table) > 0);
        Assert.Throws<KeyNotFoundException>(() => NetworkLatency.Predict(network, Table));
        Assert.Throws<KeyNotFoundException>(() => new ExpectedLatency(Space, table));
        Assert.Throws<ArgumentOutOfRangeException>(() => LatencyProfiler.Profile(FrameTime.Space, 25, 16, repeats: 1));
    }

    [Fact]
    public void Profile_MeasuresEveryPartOfTheSpace_AndRoundTrips()
    {
        var table = Table;
        Assert.Equal((24, 16), (table.Width, table.Height));
        Assert.All(table.Milliseconds.Values, ms => Assert.True(ms > 0 && ms < 1000));
        foreach (var op in Space.Space.Operations.Where(o => o.HasCost))
            foreach (var w in new[] { 0, 1, 2 })
                Assert.True(table.Milliseconds.ContainsKey(LatencyKeys.Operation(op, Space.NodeChannels(w), 1, CellForm.Paper)), $"{op.Name} at width {w}");
        Assert.Contains(LatencyKeys.Head(Space.Space, 2 * Space.NodeChannels(2)), table.Milliseconds.Keys);
        var path = Path.Combine(Path.GetTempPath(), $"latency-{Guid.NewGuid():N}.json");
        table.Save(path);
        Assert.Equal(table.Milliseconds, LatencyTable.Load(path).Milliseconds);
        File.WriteAllText(path, "{\"schema\":\"something/else\"}");
        Assert.Throws<InvalidDataException>(() => LatencyTable.Load(path));
        var other = new SupernetConfig { Task = Space.Task, Layers = 2, Blocks = 3, Filters = 6 };
        Assert.Throws<KeyNotFoundException>(() => new ExpectedLatency(other, table));
    }

    [Theory]
    [InlineData("paper")]
    [InlineData("frame-time")]
    [InlineData("fused")]
    public void ExpectedLatency_EqualsTheDerivedNetworksLatency_WhenAlphaAndBetaAreOneHot(string which)
    {
        var (space, table) = which switch { "frame-time" => (FrameTime, FrameTimeTable), "fused" => (Fused, FusedTable), _ => (Space, Table) };
        using var supernet = TorchRuntime.Seeded(3, () => new Supernet(space));
        var lattice = supernet.Lattice;
        var edges = CellTopology.EdgeCount(space.Blocks);
        var random = new Random(5);
        var measured = OperationNames.All.Where(op => op != OperationNames.None).ToArray();
        // every node keeps two of its incoming edges with a chosen operation; every other edge is one-hot "none"
        var alpha = new double[space.Layers][][];
        for (var l = 0; l < space.Layers; l++)
        {
            alpha[l] = Enumerable.Range(0, edges).Select(_ => OneHot(OperationNames.Count, OperationNames.Count - 1)).ToArray();
            for (var node = 0; node < space.Blocks; node++)
                foreach (var input in Enumerable.Range(0, 2 + node).OrderBy(_ => random.Next()).Take(2))
                    alpha[l][CellTopology.Edge(node, input)] = OneHot(OperationNames.Count, Array.IndexOf(OperationNames.All.ToArray(), measured[random.Next(measured.Length)]));
        }
        foreach (var path in new[] { new[] { 0, 0, 0 }, new[] { 0, 1, 2 }, new[] { 1, 1, 0 } })
        {
            var beta = Enumerable.Range(0, lattice.SourceCount).Select(_ => new double[WidthLattice.MoveCount]).ToArray();
            var from = 0;
            for (var l = 0; l < space.Layers; l++)
            {
                beta[lattice.SourceIndex(l, from)] = OneHot(WidthLattice.MoveCount, WidthLattice.Move(from, path[l]));
                from = path[l];
            }
            supernet.SetArchitecture(alpha, beta);
            var derived = supernet.Derive();
            Assert.Equal(path, derived.WidthPath);

            using var expected = new ExpectedLatency(space, table).Of(supernet);
            var exact = NetworkLatency.Predict(derived, table);
            // the expected latency sums the table's entries in float32: equal up to its rounding (the table is measured,
            // so a rounding to decimal places would fail whenever a sum lands on a boundary, as on one CI run at 0.05815)
            Assert.Equal(exact, expected.ToDouble(), Math.Abs(exact) * 1e-5);
        }
    }

    [Fact]
    public void Gradient_PushesAlphaTowardCheaperOperations_WhenOverBudget()
    {
        // the measured keys with costs in a fixed order (at 24×16 the measured ones are microseconds, and their order
        // among operations can differ from width to width, which α — shared by the widths of a layer — then averages)
        var table = ChannelCostTable();
        using var supernet = TorchRuntime.Seeded(4, () => new Supernet(Space));
        var model = new ExpectedLatency(Space, table);
        double before;
        using (var e = model.Of(supernet)) before = e.ToDouble();
        var over = new LatencyObjective { TablePath = "table.json", BudgetMs = before / 2 };

        using (var loss = over.Penalty(model.Of(supernet))) loss.backward();
        using var grad = supernet.Alpha.grad!.detach().clone();
        var ops = OperationNames.All.ToArray();
        var cost = Space.Space.Operations.Select(op => op.HasCost ? table.Of(LatencyKeys.Operation(op, Space.NodeChannels(0), 1, CellForm.Paper)) : 0).ToArray();
        var dearest = Array.IndexOf(cost, cost.Max());
        var g = grad.to(ScalarType.Float64).data<double>().ToArray();
        for (var l = 0; l < Space.Layers; l++)
            for (var e = 0; e < CellTopology.EdgeCount(Space.Blocks); e++)
            {
                var at = (l * CellTopology.EdgeCount(Space.Blocks) + e) * ops.Length;
                Assert.True(g[at + dearest] > 0, $"layer {l} edge {e}: the dearest op {ops[dearest]} must be pushed down");
                Assert.True(g[at + Array.IndexOf(ops, OperationNames.Skip)] < 0, $"layer {l} edge {e}: skip must be pushed up");
                Assert.Equal(0, g[at + Array.IndexOf(ops, OperationNames.None)], 9); // the derivation never picks none: it has no latency effect
            }

        using (no_grad())
            supernet.Alpha.sub_(supernet.Alpha.grad! * 10.0);
        using var after = model.Of(supernet);
        Assert.True(after.ToDouble() < before, $"E[latency] {after.ToDouble():F4} ms after a step, {before:F4} before");

        // far under the target the penalty pulls the other way: budget left unused is quality given up
        supernet.Alpha.grad!.zero_();
        var under = new LatencyObjective { TablePath = "table.json", BudgetMs = after.ToDouble() * 4 };
        using (var loss = under.Penalty(model.Of(supernet))) loss.backward();
        using var upward = supernet.Alpha.grad!.detach().to(ScalarType.Float64);
        var u = upward.data<double>().ToArray();
        for (var at = 0; at < u.Length; at += ops.Length)
        {
            Assert.True(u[at + dearest] < 0, "under the target the dearest op is pushed up");
            Assert.True(u[at + Array.IndexOf(ops, OperationNames.Skip)] > 0, "under the target skip is pushed down");
        }
        Assert.Equal(0, under.Penalty(under.TargetMs), 12); // no pull at the target itself
    }

    [Fact]
    public void TheArchitectsPenalty_IsValuedAtThePredictionTimesTheCalibration()
    {
        // two identical supernets and batches; architects that differ only in the calibration of their penalty
        var table = ChannelCostTable();
        var path = Path.Combine(Path.GetTempPath(), $"latency-{Guid.NewGuid():N}.json");
        table.Save(path);
        var objective = new LatencyObjective { TablePath = path, BudgetMs = 50 };
        var loss = HiNas.Search.Losses.RestorationLoss.For(Space.Task);
        double StepLoss(double calibration, out double predicted)
        {
            using var supernet = TorchRuntime.Seeded(6, () => new Supernet(Space));
            using var architect = new HiNas.Search.Architecture.Architect(supernet, loss, 1e-3, 0, (new ExpectedLatency(Space, table), objective))
            {
                LatencyCalibration = calibration,
            };
            predicted = NetworkLatency.Predict(supernet.Derive(), table);
            using var scope = torch.NewDisposeScope();
            var input = TorchRuntime.Seeded(7, () => torch.rand(1, 3, 16, 16));
            return architect.Step(input, input * 0.9);
        }

        var plain = StepLoss(1, out var p);
        var calibrated = StepLoss(1.7, out var p2);
        Assert.Equal(p, p2, 12);
        Assert.Equal(objective.Penalty(1.7 * p) - objective.Penalty(p), calibrated - plain, 4);
        Assert.NotEqual(0, objective.Penalty(1.7 * p) - objective.Penalty(p), 3);
    }

    [Fact]
    public void ClosestWithinBudget_TurnsTheDearestOperationsIntoSkips_UntilItFits()
    {
        var table = Table;
        var cell = new HiNas.Nas.Genotypes.CellGenotype(new[]
        {
            new HiNas.Nas.Genotypes.CellEdge(OperationNames.SepConv5x5, 0), new HiNas.Nas.Genotypes.CellEdge(OperationNames.Conv3x3, 1),
            new HiNas.Nas.Genotypes.CellEdge(OperationNames.DilConv3x3, 2), new HiNas.Nas.Genotypes.CellEdge(OperationNames.Skip, 0),
        });
        var genotype = new HiNas.Nas.Genotypes.Genotype(Space.Space, new[] { cell, cell, cell }, new[] { 0, 1, 1 });
        var full = NetworkLatency.Predict(genotype, table);
        var floor = NetworkLatency.Parts(genotype).Where(p => !p.StartsWith("op:", StringComparison.Ordinal)).Sum(table.Of);
        Assert.True(full > floor);

        var (closest, replaced) = BudgetReport.Closest(genotype, table, (full + floor) / 2);
        Assert.NotNull(closest);
        Assert.InRange(replaced, 1, 9);
        Assert.True(NetworkLatency.Predict(closest!, table) <= (full + floor) / 2);
        Assert.Equal(genotype.WidthPath, closest!.WidthPath);
        Assert.Equal(replaced, genotype.Cells.Zip(closest.Cells).Sum(p => p.First.Edges.Zip(p.Second.Edges).Count(e => e.First.Op != e.Second.Op)));

        Assert.Null(BudgetReport.Closest(genotype, table, floor / 2).Genotype); // below what the fixed parts cost
        Assert.Equal(0, BudgetReport.Closest(genotype, table, full * 2).Replaced); // already within budget
    }

    [Fact]
    public void Floor_IsTheCheapestAllSkipNetwork_OverEveryWidthPath()
    {
        // tables with the measured keys but random costs, so that the cheapest path is not simply the narrowest
        for (var seed = 1; seed <= 8; seed++)
        {
            var random = new Random(seed);
            var table = Table with { Milliseconds = Table.Milliseconds.Keys.ToDictionary(k => k, _ => 0.1 + random.NextDouble() * 10) };
            var allSkip = new HiNas.Nas.Genotypes.CellGenotype(new[]
            {
                new HiNas.Nas.Genotypes.CellEdge(OperationNames.Skip, 0), new HiNas.Nas.Genotypes.CellEdge(OperationNames.Skip, 1),
                new HiNas.Nas.Genotypes.CellEdge(OperationNames.Skip, 0), new HiNas.Nas.Genotypes.CellEdge(OperationNames.Skip, 1),
            });
            var paths = new List<int[]>();
            for (var a = 0; a <= 1; a++)
                for (var b = a - 1; b <= a + 1; b++)
                    for (var c = b - 1; c <= b + 1; c++)
                        if (b is >= 0 and <= 2 && c is >= 0 and <= 2) paths.Add(new[] { a, b, c });
            var predictions = paths.Select(path => NetworkLatency.Predict(
                new HiNas.Nas.Genotypes.Genotype(Space.Space, new[] { allSkip, allSkip, allSkip }, path), table)).ToArray();

            var floor = LatencyFloor.Of(Space.Space, table);
            Assert.Equal(predictions.Min(), floor.Milliseconds, 9);
            Assert.Equal(floor.Milliseconds, NetworkLatency.Predict(floor.Network, table), 9);
            Assert.True(floor.Network.IsAllSkip);
            for (ulong g = 1; g <= 10; g++)
                Assert.True(NetworkLatency.Predict(HiNas.Nas.Genotypes.RandomGenotype.Sample(new SearchSpace(Space.Task, 3, 2, 4, Space.WidthFactors, 8), g), table) >= floor.Milliseconds);
            Assert.Null(floor.Refuses(floor.Milliseconds, table));
            Assert.Contains("below the cheapest network", floor.Refuses(floor.Milliseconds * 0.99, table));
            // a measurement of the floor network above the prediction raises the floor; one below it does not lower it
            Assert.Contains("measured with ONNX Runtime", floor.Refuses(floor.Milliseconds * 1.1, table, measuredMs: floor.Milliseconds * 1.2));
            Assert.DoesNotContain("cores free", floor.Refuses(floor.Milliseconds * 1.1, table, measuredMs: floor.Milliseconds * 1.2));
            Assert.Contains("3.7× the table's prediction", floor.Refuses(floor.Milliseconds * 1.1, table, measuredMs: floor.Milliseconds * 3.7)); // a busy machine
            Assert.Null(floor.Refuses(floor.Milliseconds * 1.3, table, measuredMs: floor.Milliseconds * 1.2));
            Assert.DoesNotContain("measured", floor.Refuses(floor.Milliseconds * 0.9, table, measuredMs: floor.Milliseconds * 0.5));
        }
    }

    [Fact]
    public void BudgetReport_MovesToTheFloorsWidthPath_WhenEveryOperationASkipStillMissesOnTheDerivedPath()
    {
        var table = ChannelCostTable();
        var floor = LatencyFloor.Of(Space.Space, table);
        var cell = new HiNas.Nas.Genotypes.CellGenotype(new[]
        {
            new HiNas.Nas.Genotypes.CellEdge(OperationNames.SepConv5x5, 0), new HiNas.Nas.Genotypes.CellEdge(OperationNames.Conv3x3, 1),
            new HiNas.Nas.Genotypes.CellEdge(OperationNames.DilConv3x3, 2), new HiNas.Nas.Genotypes.CellEdge(OperationNames.Skip, 0),
        });
        var wide = new HiNas.Nas.Genotypes.Genotype(Space.Space, new[] { cell, cell, cell }, new[] { 1, 2, 2 });
        var fixedOnWidePath = NetworkLatency.Parts(wide).Where(p => !p.StartsWith("op:", StringComparison.Ordinal)).Sum(table.Of);
        Assert.True(fixedOnWidePath > floor.Milliseconds);
        var budget = (floor.Milliseconds + fixedOnWidePath) / 2;
        Assert.Null(BudgetReport.Closest(wide, table, budget).Genotype);

        var dir = Path.Combine(Path.GetTempPath(), "hinas-latency-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var report = BudgetReport.For(wide, table, new LatencyObjective { TablePath = "table.json", BudgetMs = budget }, floor, dir);
        Assert.False(report.MeetsBudget);
        Assert.True(report.WidthPathChanged);
        var closest = HiNas.Nas.Genotypes.GenotypeJson.Load(Path.Combine(dir, report.WithinBudgetGenotype!));
        Assert.Equal(floor.Network.WidthPath, closest.WidthPath);
        Assert.True(NetworkLatency.Predict(closest, table) <= budget);
        Assert.Equal(report.WithinBudgetPredictedMs!.Value, NetworkLatency.Predict(closest, table), 9);
    }

    /// <summary>
    /// The measured keys with made-up costs: every part costs more the more channels it has (1 + the sum of the numbers
    /// in its key / 10), and an operation also the later it comes in <see cref="OperationNames.All"/>.
    /// </summary>
    private static LatencyTable ChannelCostTable() => Table with
    {
        Milliseconds = Table.Milliseconds.Keys.ToDictionary(k => k, k =>
        {
            var size = 1 + System.Text.RegularExpressions.Regex.Matches(k, "[0-9]+").Sum(m => int.Parse(m.Value, System.Globalization.CultureInfo.InvariantCulture)) / 10.0;
            var op = k.Split(':');
            return op[0] == "op" ? size * (1 + OperationNames.IndexOf(op[1].Split('~')[0])) : size; // "dil_conv_3x3~dense": the name before the style
        }),
    };

    private static double[] OneHot(int length, int index)
    {
        var v = Enumerable.Repeat(-30.0, length).ToArray();
        v[index] = 30;
        return v;
    }
}
