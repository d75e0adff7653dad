using HiNas.Imaging.Tasks;
using HiNas.Nas.Genotypes;
using HiNas.Nas.Latency;
using HiNas.Nas.Space;

namespace HiNas.Nas.Tests.Latency;

/// <summary>
/// The share of a space a budget admits, as a single-path search draws: a budget at a plain stack's own predicted time
/// admits next to nothing (every layer one convolution, no addition anywhere) and says how to make the search faster.
/// </summary>
public class BudgetAdmissionTests
{
    /// <summary>Five layers of one node at one width, convolutions, dilated convolutions or none: the frame-time bench's space, small.</summary>
    private static readonly SearchSpace Space = new(RestorationTask.Denoise(25, 1), 5, 1, 8, new[] { 1.0 }, 8, pixelUnshuffle: 2, form: CellForm.Fused,
        candidates: OperationSet.Parse("conv_3x3,dil_conv_3x3,none"));

    /// <summary>A dilated convolution as dear as a convolution, as measured here.</summary>
    private static readonly LatencyTable Table = EqualConvolutions(TestTables.Of(Space));

    private static LatencyTable EqualConvolutions(LatencyTable table)
    {
        var ms = new Dictionary<string, double>(table.Milliseconds)
        {
            [LatencyKeys.Operation(Space.Operation(OperationNames.DilConv3x3), 8, 2, CellForm.Fused)] = table.Milliseconds[LatencyKeys.Operation(Space.Operation(OperationNames.Conv3x3), 8, 2, CellForm.Fused)],
        };
        return table with { Milliseconds = ms };
    }

    /// <summary>Every layer one convolution of the layer before.</summary>
    private static readonly Genotype Stack = new(Space,
        Enumerable.Repeat(new CellGenotype(new[] { new CellEdge(OperationNames.Conv3x3, 0), new CellEdge(OperationNames.None, 1) }), 5).ToArray(), new int[5]);

    private static LatencyObjective Budget(double ms, double band = 0) => new() { TablePath = "test.json", BudgetMs = ms, Band = band };

    [Fact]
    public void ABudgetAtTheStacksOwnTime_AdmitsAlmostNothing_AndSaysWhatToChange()
    {
        var stack = NetworkLatency.Predict(Stack, Table);
        var tight = Budget(stack, 0.9);
        var admission = BudgetAdmission.Estimate(Space, Table, tight);
        Assert.True(admission.IsSlow, $"{admission.Share}");
        Assert.True(admission.Share < 0.005, $"{admission.Share}"); // every layer one (dilated) convolution of the layer before: (¼)⁵ and a few more
        Assert.Contains("a lower band or a larger budget makes the search faster", admission.Describe(tight));

        // 5 % more: five convolutions with additions fit too
        var slack = BudgetAdmission.Estimate(Space, Table, Budget(1.05 * stack, 0.9));
        Assert.True(slack.Share > 5 * admission.Share, $"{slack.Share} against {admission.Share}");

        // the same draws each time (seeded)
        Assert.Equal(admission, BudgetAdmission.Estimate(Space, Table, tight));
    }

    [Fact]
    public void ABudgetOverEveryNetwork_AdmitsAll_AndOneUnderTheFloor_None()
    {
        var generous = Budget(1000);
        var all = BudgetAdmission.Estimate(Space, Table, generous, draws: 500);
        Assert.Equal(new BudgetAdmission(500, 500), all);
        Assert.False(all.IsSlow);
        Assert.DoesNotContain("faster", all.Describe(generous));
        Assert.Contains("admits 100 % of the space's networks (500 of 500 drawn)", all.Describe(generous));

        var floor = LatencyFloor.Of(Space, Table).Milliseconds;
        var under = Budget(0.99 * floor);
        var none = BudgetAdmission.Estimate(Space, Table, under, draws: 500);
        Assert.Equal(0, none.Admitted);
        Assert.Contains("draws about 500 or more networks for each one it trains", none.Describe(under));
        Assert.DoesNotContain("band", none.Describe(under).Split(':')[1]); // no band to lower
        Assert.Throws<ArgumentOutOfRangeException>(() => BudgetAdmission.Estimate(Space, Table, generous, draws: 0));
    }
}
