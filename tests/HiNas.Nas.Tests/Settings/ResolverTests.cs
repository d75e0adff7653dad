using HiNas.Imaging.Tasks;
using HiNas.Nas.Settings;
using HiNas.Nas.Space;
using HiNas.Nas.Workers;

namespace HiNas.Nas.Tests.Settings;

/// <summary>The one resolver per settings record: defaults, derived values, and errors that name the setting.</summary>
public sealed class ResolverTests
{
    [Fact]
    public void TaskDefaults_AndErrorsNamingTheSetting()
    {
        Assert.Equal(RestorationTask.Denoise(25, 1), TaskResolver.Resolve(new TaskSettings { Kind = "denoise" }));
        Assert.Equal(RestorationTask.SuperResolution(2, 3), TaskResolver.Resolve(new TaskSettings { Kind = "sr" }));
        Assert.Equal(RestorationTask.Denoise(50, 3), TaskResolver.Resolve(new TaskSettings { Kind = "denoise" }, RestorationTask.Denoise(50, 3)));
        Assert.Equal("kind", Assert.Throws<SettingException>(() => TaskResolver.Resolve(new TaskSettings())).Setting);
        Assert.Equal("scale", Assert.Throws<SettingException>(() => TaskResolver.Resolve(new TaskSettings { Kind = "denoise", Scale = 2 })).Setting);
        Assert.Equal("sigma: must be in (0, 255], got 300", Assert.Throws<SettingException>(() => TaskResolver.Resolve(new TaskSettings { Kind = "denoise", Sigma = 300 })).Message);
        Assert.Equal("channels", Assert.Throws<SettingException>(() => TaskResolver.Resolve(new TaskSettings { Kind = "sr", Channels = 2 })).Setting);
    }

    [Fact]
    public void SearchSettings_TakeTheDefaults_ThePreset_ThenEachSetting()
    {
        var task = RestorationTask.SuperResolution(3, 3);
        var defaults = SearchOptionsResolver.Resolve(task, new SearchSettings());
        Assert.Equal(SearchOptionsJson.Serialize(SearchOptions.DefaultsFor(task)), SearchOptionsJson.Serialize(defaults));
        Assert.Equal(33, defaults.Crop); // 32 rounded up to a multiple of ×3

        var preset = SearchOptionsResolver.Resolve(RestorationTask.Denoise(25, 1), new SearchSettings { Preset = "paper-denoise", Epochs = 10 });
        Assert.Equal((3, 4, 10), (preset.Supernet.Layers, preset.Supernet.Blocks, preset.Supernet.Filters));
        Assert.Equal(10, preset.Epochs);
        Assert.Equal(5, preset.Warmup); // the preset's 20 warm-up epochs, capped at half of the 10 epochs given

        var budget = Assert.Throws<SettingException>(() => SearchOptionsResolver.Resolve(task, new SearchSettings { BudgetMs = 10 }));
        Assert.Equal("latency_table", budget.Setting);
        Assert.Equal("device", Assert.Throws<SettingException>(() => SearchOptionsResolver.Resolve(task, new SearchSettings { Device = "tpu" })).Setting);
    }

    [Fact]
    public void TrainSettings_DeriveTheFinalRateAndTheValidationInterval()
    {
        var task = RestorationTask.Denoise(25, 1);
        var dncnn = ArchitectureSpec.Parse("dncnn", task, null, null, SearchOptions.DefaultsFor(task).Supernet.Space);
        var o = TrainOptionsResolver.Resolve(task, dncnn, new TrainSettings { Iterations = 100, LearningRate = 1e-6 });
        Assert.Equal(100, o.ValidateEvery);   // at most the run's length
        Assert.Equal(1e-6, o.LearningRateMin); // never above the starting rate
        Assert.Equal("sigma_range", Assert.Throws<SettingException>(() => TrainOptionsResolver.Resolve(task, dncnn, new TrainSettings { SigmaMin = 0 })).Setting);
        Assert.Equal("depth", Assert.Throws<SettingException>(() => ArchitectureSpec.Parse("dncnn", task, 0, null, SearchOptions.DefaultsFor(task).Supernet.Space)).Setting);
    }

    [Fact]
    public void TheOperationRegistry_NamesEveryCandidate_InAlphasOrder()
    {
        Assert.Equal(OperationNames.All, Operations.All.Select(o => o.Name));
        Assert.Equal(OperationNames.NoneIndex, Operations.All.Count - 1);
        Assert.All(Operations.All, o => Assert.Equal(o.Kind is not (OperationKind.Skip or OperationKind.None), o.HasCost));
        Assert.Contains("known: conv_3x3", Assert.Throws<ArgumentException>(() => Operations.Named("conv_9x9")).Message);
    }

    [Fact]
    public void WorkerOptions_AreCheckedWhenLoaded()
    {
        var folder = Directory.CreateTempSubdirectory("hinas-nas-tests").FullName;
        var path = Path.Combine(folder, "export.json");
        new ExportOptions { Checkpoint = "train", Out = "model", BudgetMs = 5 }.Save(path);
        Assert.Equal("budget_ms", Assert.Throws<SettingException>(() => ExportOptions.Load(path)).Setting);
        new ProfileOptions { SearchOptions = "s.json", Width = 4, Height = 64, Out = "t.json" }.Save(path);
        Assert.Equal("resolution", Assert.Throws<SettingException>(() => ProfileOptions.Load(path)).Setting);
        Assert.Null(WorkerResult.TryLoad(folder));
        new WorkerResult { Stage = WorkerStage.Search, Succeeded = false, Error = "epochs: must be in [1, 10000], got 0" }.Save(folder);
        Assert.Equal("epochs: must be in [1, 10000], got 0", WorkerResult.TryLoad(folder)!.Error);
    }
}
