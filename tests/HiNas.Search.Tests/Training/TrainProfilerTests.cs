using HiNas.Imaging.Tasks;
using HiNas.Nas.Genotypes;
using HiNas.Nas.Settings;
using HiNas.Nas.Space;
using HiNas.Search.Networks;
using HiNas.Search.Operations;
using HiNas.Search.Runtime;
using HiNas.Search.Training;

namespace HiNas.Search.Tests.Training;

/// <summary>
/// <c>hinas train --profile-memory</c> gives two counts: every parameter that trains, and the served network's, the
/// count a trained run's summary and its manifest give. They differ by the 1×1 branches the export folds away.
/// </summary>
public sealed class TrainProfilerTests
{
    public TrainProfilerTests() => TorchRuntime.EnsureInitialized();

    private static string TempDir() => TestFolders.TempDir("hinas-profile-tests");

    [Fact]
    public void AFusedNetwork_ServesFewerParametersThanItTrains_AndTheServedCountIsTheSummarys()
    {
        var task = RestorationTask.Denoise(25, 1);
        var space = new SearchSpace(task, 3, 1, 8, new[] { 1.0 }, 8, form: CellForm.Fused, candidates: OperationSet.Parse("conv_3x3,skip_connect,none"));
        var cell = new CellGenotype(new[] { new CellEdge(OperationNames.Conv3x3, 0), new CellEdge(OperationNames.Skip, 1) });
        var options = TrainerTests.Tiny(task, ArchitectureSpec.FromGenotype(new Genotype(space, new[] { cell, cell, cell }, new[] { 0, 0, 0 })), iterations: 2) with { ValidateEvery = 2 };

        var profile = TrainProfiler.Profile(options, 2);
        var summary = Trainer.Run(options, TempDir());

        using var network = options.BuildNetwork();
        var branches = network.modules().OfType<PointwiseBranch>().Sum(b => b.parameters().Sum(p => p.numel()));
        Assert.True(branches > 0, "the fused network has no 1×1 branches to fold");
        Assert.Equal(summary.Parameters, profile.ServedParameters);
        Assert.Equal(profile.ServedParameters + branches, profile.Parameters);
    }

    [Fact]
    public void ANetworkWithoutBranches_ServesWhatItTrains()
    {
        var options = TrainerTests.Tiny(RestorationTask.Denoise(25, 1), new ArchitectureSpec { Kind = ArchitectureSpec.DnCnnKind, Depth = 3, Width = 8 });
        var profile = TrainProfiler.Profile(options, 2);
        Assert.Equal(profile.Parameters, profile.ServedParameters);
    }
}
