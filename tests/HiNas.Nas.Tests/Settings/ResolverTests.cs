using HiNas.Imaging.Tasks;
using HiNas.Nas.Latency;
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
        Assert.Equal(25, preset.StepsPerEpoch); // the official code's batches per epoch
        Assert.Equal(ConvStyle.Dense, preset.Supernet.DilatedConvs);
        var frameTime = SearchOptionsResolver.Resolve(RestorationTask.Denoise(25, 3), new SearchSettings { Preset = "frame-time-denoise", Filters = 8 });
        Assert.Equal((2, 16, 8, 25), (frameTime.Supernet.PixelUnshuffle, frameTime.Supernet.StemChannels, frameTime.Supernet.Filters, frameTime.StepsPerEpoch));
        Assert.Equal((3e-3, 0.0, 0.3), (frameTime.ArchitectLearningRate, frameTime.ArchitectWeightDecay, frameTime.SkipDropout));
        Assert.Equal(2, Reload(SearchOptionsJson.Serialize(frameTime), SearchOptionsJson.Load).Supernet.Space.PixelUnshuffle);
        Assert.Equal(1, Reload(Without(SearchOptionsJson.Serialize(frameTime), "pixel_unshuffle"), SearchOptionsJson.Load).Supernet.PixelUnshuffle);
        Assert.Equal(1, SearchOptionsResolver.Resolve(task, new SearchSettings { Preset = "frame-time-sr", PixelUnshuffle = 1 }).Supernet.PixelUnshuffle);
        // the frame-time upscalers' head convolution is separable (bench/latency), unless asked otherwise
        Assert.Equal(ConvStyle.Separable, SearchOptionsResolver.Resolve(task, new SearchSettings { Preset = "frame-time-sr" }).Supernet.Space.HeadConv);
        Assert.Equal(ConvStyle.Dense, SearchOptionsResolver.Resolve(task, new SearchSettings { Preset = "frame-time-sr", HeadConv = "dense" }).Supernet.HeadConv);
        Assert.Equal("pixel_unshuffle", Assert.Throws<SettingException>(() => SearchOptionsResolver.Resolve(task, new SearchSettings { PixelUnshuffle = 3 })).Setting);
        Assert.Equal("preset", Assert.Throws<SettingException>(() => SearchOptionsResolver.Resolve(task, new SearchSettings { Preset = "frame-time-denoise" })).Setting);
        var paperSr = SearchOptionsResolver.Resolve(task, new SearchSettings { Preset = "paper-sr" });
        Assert.Equal((16, 66), (paperSr.StepsPerEpoch, paperSr.Crop)); // crop 64 rounded up to a multiple of ×3

        var separable = SearchOptionsResolver.Resolve(task, new SearchSettings { DilatedConvs = "separable", ArchitectLearningRate = 0.01 });
        Assert.Equal(ConvStyle.Separable, separable.Supernet.Space.DilatedConvs);
        Assert.Equal(0.01, separable.ArchitectLearningRate);
        var saved = Reload(SearchOptionsJson.Serialize(separable), SearchOptionsJson.Load);
        Assert.Equal((0.01, ConvStyle.Separable), (saved.ArchitectLearningRate, saved.Supernet.DilatedConvs));
        // a run started before the setting existed searched separable dilated convolutions
        Assert.Equal(ConvStyle.Separable, Reload(Without(SearchOptionsJson.Serialize(defaults), "dilated_convs"), SearchOptionsJson.Load).Supernet.DilatedConvs);
        Assert.Equal("dilated_convs: dilated convolutions 'sparse' are not dense or separable",
            Assert.Throws<SettingException>(() => SearchOptionsResolver.Resolve(task, new SearchSettings { DilatedConvs = "sparse" })).Message);
        // the light head's convolution: dense unless asked, written to options.json only when separable
        Assert.Equal(ConvStyle.Dense, defaults.Supernet.Space.HeadConv);
        Assert.DoesNotContain("head_conv", SearchOptionsJson.Serialize(defaults));
        var separableHead = SearchOptionsResolver.Resolve(task, new SearchSettings { HeadConv = "separable" });
        Assert.Equal(ConvStyle.Separable, Reload(SearchOptionsJson.Serialize(separableHead), SearchOptionsJson.Load).Supernet.Space.HeadConv);
        Assert.Equal("head_conv: head convolutions 'pointwise' are not dense or separable",
            Assert.Throws<SettingException>(() => SearchOptionsResolver.Resolve(task, new SearchSettings { HeadConv = "pointwise" })).Message);
        // the cells' form: the paper's unless asked, written to options.json only when fused; the width factors as given
        Assert.Equal(CellForm.Paper, defaults.Supernet.Space.Form);
        Assert.DoesNotContain("cell_form", SearchOptionsJson.Serialize(defaults));
        var fused = SearchOptionsResolver.Resolve(task, new SearchSettings { Preset = "frame-time-sr", CellForm = "fused", WidthFactors = SearchOptionsResolver.ParseWidthFactors("1, 2,3") });
        var reloaded = Reload(SearchOptionsJson.Serialize(fused), SearchOptionsJson.Load).Supernet.Space;
        Assert.Equal(CellForm.Fused, reloaded.Form);
        Assert.Equal(new[] { 16, 32, 48 }, Enumerable.Range(0, 3).Select(reloaded.NodeChannels));
        Assert.Equal("cell_form: cell form 'fast' is not paper or fused",
            Assert.Throws<SettingException>(() => SearchOptionsResolver.Resolve(task, new SearchSettings { CellForm = "fast" })).Message);
        Assert.Equal("width_factors: '1,x' is not 1 to 8 comma-separated numbers in (0, 16] ('x' is not)",
            Assert.Throws<SettingException>(() => SearchOptionsResolver.ParseWidthFactors("1,x")).Message);
        Assert.Equal("width_factors", Assert.Throws<SettingException>(() => SearchOptionsResolver.ParseWidthFactors("1,-2")).Setting);
        Assert.Equal("width_factors", Assert.Throws<SettingException>(() => SearchOptionsResolver.ParseWidthFactors("1,2,3,4,5,6,7,8,9")).Setting);
        Assert.Equal("architect_learning_rate", Assert.Throws<SettingException>(() => SearchOptionsResolver.Resolve(task, new SearchSettings { ArchitectLearningRate = 0 })).Setting);
        Assert.Equal("architect_weight_decay", Assert.Throws<SettingException>(() => SearchOptionsResolver.Resolve(task, new SearchSettings { ArchitectWeightDecay = -1 })).Setting);
        Assert.Equal(1e-4, SearchOptionsResolver.Resolve(task, new SearchSettings { ArchitectWeightDecay = 1e-4 }).ArchitectWeightDecay);

        var budget = Assert.Throws<SettingException>(() => SearchOptionsResolver.Resolve(task, new SearchSettings { BudgetMs = 10 }));
        Assert.Equal("latency_table", budget.Setting);
        Assert.Equal("device", Assert.Throws<SettingException>(() => SearchOptionsResolver.Resolve(task, new SearchSettings { Device = "tpu" })).Setting);
    }

    [Fact]
    public void ThePixelLoss_IsResolvedCheckedAndKeptInTheOptionsFile()
    {
        var task = RestorationTask.Denoise(25, 1);
        var dncnn = ArchitectureSpec.Parse("dncnn", task, null, null, SearchOptions.DefaultsFor(task).Supernet.Space);
        var o = TrainOptionsResolver.Resolve(task, dncnn, new TrainSettings { PixelLoss = PixelLosses.LogMse });
        Assert.Equal("log-mse", o.PixelLoss);
        Assert.Null(TrainOptionsResolver.Resolve(task, dncnn, new TrainSettings()).PixelLoss); // the task's
        Assert.Equal("log-mse", Reload(TrainOptionsJson.Serialize(o), TrainOptionsJson.Load).PixelLoss);
        var bad = Assert.Throws<SettingException>(() => TrainOptionsResolver.Resolve(task, dncnn, new TrainSettings { PixelLoss = "huber" }));
        Assert.Equal(("pixel_loss", "'huber' is not mse, l1, log-mse"), (bad.Setting, bad.Problem));
    }

    /// <summary>
    /// The fused frame-time presets search as bench/quality's frame-time rows did (their options files' settings,
    /// written out here): frame-time-denoise-fused as the denoising rows, frame-time-sr-input as the SR ×4 row at the
    /// input's resolution. Each fits its task only, and explicit settings still apply on top.
    /// </summary>
    [Theory]
    [InlineData("frame-time-denoise-fused", "denoise", 5, 48, 2, 6, 64)]
    [InlineData("frame-time-sr-input", "sr", 13, 16, 1, 24, 64)]
    public void TheFusedFrameTimePresets_SearchAsTheFrameTimeRowsDid(string preset, string kind, int layers, int width, int pixelUnshuffle, int batch, int crop)
    {
        var task = kind == "sr" ? RestorationTask.SuperResolution(4, 3) : RestorationTask.Denoise(25, 1);
        var o = SearchOptionsResolver.Resolve(task, new SearchSettings { Preset = preset });
        var n = o.Supernet;
        Assert.Equal((layers, 1, width, width, pixelUnshuffle), (n.Layers, n.Blocks, n.Filters, n.StemChannels, n.PixelUnshuffle));
        Assert.Equal(new[] { 1.0 }, n.WidthFactors);
        Assert.Equal((CellForm.Fused, kind == "sr" ? ConvStyle.Separable : ConvStyle.Dense, ConvStyle.Dense), (n.Form, n.HeadConv, n.DilatedConvs));
        Assert.Equal(new[] { "conv_3x3", "dil_conv_3x3", "none" }, n.Candidates.Names);
        Assert.Equal((30, 10, 30, (int?)240, batch, crop), (o.Epochs, o.Warmup, o.StepsPerEpoch, o.SinglePathStepsPerEpoch, o.Batch, o.Crop));
        Assert.Equal((SupernetTrainings.SinglePath, WeightOptimizers.Adam, 1e-3, 1e-5, 0.0), (o.SupernetTraining, o.WeightOptimizer, o.WeightLearningRate, o.WeightLearningRateMin, o.WeightDecay));
        Assert.Equal(((string?)PixelLosses.LogMse, 0.5, 3e-3, 0.0), (o.PixelLoss, o.OperationDropout, o.ArchitectLearningRate, o.ArchitectWeightDecay));
        Assert.Equal(9, SearchOptionsResolver.Resolve(task, new SearchSettings { Preset = preset, Layers = 9 }).Supernet.Layers);
        var other = kind == "sr" ? RestorationTask.Denoise(25, 3) : RestorationTask.SuperResolution(2, 3);
        Assert.Equal("preset", Assert.Throws<SettingException>(() => SearchOptionsResolver.Resolve(other, new SearchSettings { Preset = preset })).Setting);
    }

    [Fact]
    public void TheInputResolutionUpscalerPreset_RoundsItsCropToTheScale() =>
        Assert.Equal(66, SearchOptionsResolver.Resolve(RestorationTask.SuperResolution(3, 3), new SearchSettings { Preset = "frame-time-sr-input" }).Crop);

    [Fact]
    public void TheSearchsWeightOptimizer_BringsItsRecipe_AndWithThePixelLossIsKeptInTheOptionsFile()
    {
        var task = RestorationTask.Denoise(25, 3);
        var paper = SearchOptionsResolver.Resolve(task, new SearchSettings { Preset = "frame-time-denoise" });
        Assert.Equal((WeightOptimizers.Sgd, 0.025, 0.001, 3e-4), (paper.WeightOptimizer, paper.WeightLearningRate, paper.WeightLearningRateMin, paper.WeightDecay));
        Assert.Null(paper.PixelLoss); // the task's: the paper's MSE + SSIM

        var adam = SearchOptionsResolver.Resolve(task, new SearchSettings { Preset = "frame-time-denoise", WeightOptimizer = "adam", PixelLoss = "log-mse" });
        Assert.Equal((WeightOptimizers.Adam, 1e-3, 1e-5, 0.0), (adam.WeightOptimizer, adam.WeightLearningRate, adam.WeightLearningRateMin, adam.WeightDecay));
        Assert.Equal((paper.Epochs, paper.ArchitectLearningRate), (adam.Epochs, adam.ArchitectLearningRate)); // the preset still applies
        var saved = Reload(SearchOptionsJson.Serialize(adam), SearchOptionsJson.Load);
        Assert.Equal((WeightOptimizers.Adam, 1e-3, "log-mse"), (saved.WeightOptimizer, saved.WeightLearningRate, saved.PixelLoss));
        // runs started before the settings existed searched with SGD and the task's loss
        var old = Reload(Without(SearchOptionsJson.Serialize(adam), "weight_optimizer", "pixel_loss"), SearchOptionsJson.Load);
        Assert.Equal((WeightOptimizers.Sgd, (string?)null), (old.WeightOptimizer, old.PixelLoss));

        var optimizer = Assert.Throws<SettingException>(() => SearchOptionsResolver.Resolve(task, new SearchSettings { WeightOptimizer = "rmsprop" }));
        Assert.Equal(("weight_optimizer", "'rmsprop' is not sgd or adam"), (optimizer.Setting, optimizer.Problem));
        var loss = Assert.Throws<SettingException>(() => SearchOptionsResolver.Resolve(task, new SearchSettings { PixelLoss = "huber" }));
        Assert.Equal(("pixel_loss", "'huber' is not mse, l1, log-mse"), (loss.Setting, loss.Problem));
    }

    [Fact]
    public void TheSupernetTraining_IsResolvedCheckedAndKeptInTheOptionsFile()
    {
        var task = RestorationTask.Denoise(25, 3);
        Assert.Equal(SupernetTrainings.Mixture, SearchOptionsResolver.Resolve(task, new SearchSettings()).SupernetTraining);
        var singlePath = SearchOptionsResolver.Resolve(task, new SearchSettings { Preset = "frame-time-denoise", SupernetTraining = "single-path" });
        Assert.True(singlePath.IsSinglePath);
        Assert.Equal(SearchOptions.DefaultRankedNetworks, singlePath.RankedNetworks);
        var twelve = SearchOptionsResolver.Resolve(task, new SearchSettings { SupernetTraining = "single-path", RankedNetworks = 12 });
        var saved = Reload(SearchOptionsJson.Serialize(twelve), SearchOptionsJson.Load);
        Assert.Equal((true, 12), (saved.IsSinglePath, saved.RankedNetworks));
        // runs started before the settings existed trained the mixture (and would rank the default number)
        var old = Reload(Without(SearchOptionsJson.Serialize(twelve), "supernet_training", "ranked_networks"), SearchOptionsJson.Load);
        Assert.Equal((false, SearchOptions.DefaultRankedNetworks), (old.IsSinglePath, old.RankedNetworks));
        var none = Assert.Throws<SettingException>(() => SearchOptionsResolver.Resolve(task, new SearchSettings { RankedNetworks = 0 }));
        Assert.Equal(("ranked_networks", "must be in [1, 100000], got 0"), (none.Setting, none.Problem));

        // the single-path epochs' own steps: kept, absent (= steps_per_epoch) in older runs, refused out of range or for a mixture
        Assert.Null(singlePath.SinglePathStepsPerEpoch);
        var fineTune = SearchOptionsResolver.Resolve(task, new SearchSettings { SupernetTraining = "single-path", Epochs = 5, Warmup = 3, StepsPerEpoch = 30, SinglePathStepsPerEpoch = 240 });
        Assert.Equal(240, Reload(SearchOptionsJson.Serialize(fineTune), SearchOptionsJson.Load).SinglePathStepsPerEpoch);
        Assert.Equal((30, 30, 240, 240), (fineTune.StepsIn(0), fineTune.StepsIn(2), fineTune.StepsIn(3), fineTune.StepsIn(4)));
        Assert.Equal((0L, 60L, 90L, 330L, 570L), (fineTune.StepsBefore(0), fineTune.StepsBefore(2), fineTune.StepsBefore(3), fineTune.StepsBefore(4), fineTune.StepsBefore(5)));
        Assert.Null(Reload(Without(SearchOptionsJson.Serialize(fineTune), "single_path_steps_per_epoch"), SearchOptionsJson.Load).SinglePathStepsPerEpoch);
        Assert.Equal(30, (fineTune with { SinglePathStepsPerEpoch = null }).StepsIn(4));
        var zero = Assert.Throws<SettingException>(() => SearchOptionsResolver.Resolve(task, new SearchSettings { SupernetTraining = "single-path", SinglePathStepsPerEpoch = 0 }));
        Assert.Equal(("single_path_steps_per_epoch", "must be in [1, 1000000], got 0"), (zero.Setting, zero.Problem));
        var mixture = Assert.Throws<SettingException>(() => SearchOptionsResolver.Resolve(task, new SearchSettings { SinglePathStepsPerEpoch = 240 }));
        Assert.Equal(("single_path_steps_per_epoch", "applies to a single-path search only (supernet_training single-path)"), (mixture.Setting, mixture.Problem));

        var bad = Assert.Throws<SettingException>(() => SearchOptionsResolver.Resolve(task, new SearchSettings { SupernetTraining = "one-path" }));
        Assert.Equal(("supernet_training", "'one-path' is not mixture or single-path"), (bad.Setting, bad.Problem));
        // a single-path search's budget bounds what it draws; a latency weight, which only α and β's steps use, is refused
        (singlePath with { Latency = new LatencyObjective { TablePath = "table.json", BudgetMs = 10 } }).Validate();
        var weighted = Assert.Throws<SettingException>(() => (singlePath with { Latency = new LatencyObjective { TablePath = "table.json", BudgetMs = 10, Weight = 2 } }).Validate());
        Assert.Equal("latency_weight", weighted.Setting);
        Assert.Contains("single-path search does not take", weighted.Problem);

        // its band: kept (absent when 0), refused outside [0, 1) and for a search of α and β
        var banded = SearchOptionsResolver.Resolve(task, new SearchSettings { SupernetTraining = "single-path", LatencyTable = "table.json", BudgetMs = 40, BudgetBand = 0.9 });
        Assert.Equal((0.9, 36.0), (banded.Latency!.Band, banded.Latency.BandMs));
        Assert.Equal(0.9, Reload(SearchOptionsJson.Serialize(banded), SearchOptionsJson.Load).Latency!.Band);
        Assert.DoesNotContain("budget_band", SearchOptionsJson.Serialize(banded with { Latency = banded.Latency with { Band = 0 } }));
        Assert.True(banded.Latency.Admits(36) && banded.Latency.Admits(40) && !banded.Latency.Admits(35.9) && !banded.Latency.Admits(40.1));
        var wide = Assert.Throws<SettingException>(() => SearchOptionsResolver.Resolve(task, new SearchSettings { SupernetTraining = "single-path", LatencyTable = "table.json", BudgetMs = 40, BudgetBand = 1 }));
        Assert.Equal(("budget_band", "must be a fraction of the budget in [0, 1), got 1"), (wide.Setting, wide.Problem));
        var ofAlpha = Assert.Throws<SettingException>(() => SearchOptionsResolver.Resolve(task, new SearchSettings { LatencyTable = "table.json", BudgetMs = 40, BudgetBand = 0.9 }));
        Assert.Equal("budget_band", ofAlpha.Setting);
        Assert.Contains("single-path", ofAlpha.Problem);
        var alone = Assert.Throws<SettingException>(() => SearchOptionsResolver.Resolve(task, new SearchSettings { SupernetTraining = "single-path", BudgetBand = 0.9 }));
        Assert.Equal("budget_ms", alone.Setting);
    }

    [Fact]
    public void Ffdnet_IsADenoiserBaseline_ThatMayBeToldTheNoise()
    {
        var task = RestorationTask.Denoise(25, 1);
        var space = SearchOptions.DefaultsFor(task).Supernet.Space;
        var ffdnet = ArchitectureSpec.Parse("FFDNet", task, null, null, space);
        Assert.Equal((ArchitectureSpec.FfdnetKind, 8, 32), (ffdnet.Kind, ffdnet.DepthOrDefault, ffdnet.WidthOrDefault));
        Assert.True(TrainOptionsResolver.Resolve(task, ffdnet, new TrainSettings { SigmaMin = 0, SigmaMax = 50, NoiseMap = true }).NoiseMap);
        var sr = Assert.Throws<SettingException>(() => ArchitectureSpec.Parse("ffdnet", RestorationTask.SuperResolution(2, 3), null, null, space));
        Assert.Equal((ArchitectureSpec.Setting, "ffdnet is a denoiser; for super-resolution use espcn or fsrcnn"), (sr.Setting, sr.Problem));
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
        Assert.Null(o.Architecture.WidthMultiplier);
        Assert.Null(o.Architecture.Head);
        Assert.Equal("width_multiplier", Assert.Throws<SettingException>(() => TrainOptionsResolver.Resolve(task, dncnn, new TrainSettings { WidthMultiplier = 2 })).Setting);
        Assert.Equal("head", Assert.Throws<SettingException>(() => TrainOptionsResolver.Resolve(task, dncnn, new TrainSettings { Head = "decoder" })).Setting);
    }

    [Fact]
    public void HiNasNetworks_RetrainTwiceAsWide_WithTheDecoder_UnlessAskedOtherwise()
    {
        var task = RestorationTask.Denoise(25, 1);
        var space = SearchOptions.DefaultsFor(task).Supernet.Space;
        var random = ArchitectureSpec.Parse("random:3", task, null, null, space);
        var defaults = TrainOptionsResolver.Resolve(task, random, new TrainSettings());
        Assert.Equal(ArchitectureSpec.DefaultWidthMultiplier, defaults.Architecture.WidthMultiplier);
        Assert.Equal(ArchitectureSpec.DefaultHead, defaults.Architecture.Head);
        Assert.Equal(space.Filters * 2, defaults.Architecture.NetworkGenotype!.Filters);
        Assert.Equal(space.StemChannels, defaults.Architecture.NetworkGenotype.StemChannels);
        Assert.Equal(defaults.Architecture.Genotype!.Cells, defaults.Architecture.NetworkGenotype.Cells);

        var asked = TrainOptionsResolver.Resolve(task, random, new TrainSettings { WidthMultiplier = 1.5, Head = "light" });
        Assert.Equal((1.5, DerivedHead.Light), (asked.Architecture.WidthMultiplier!.Value, asked.Architecture.Head!.Value));
        Assert.Equal(15, asked.Architecture.NetworkGenotype!.Filters); // F 10 × 1.5
        var reloaded = Reload(TrainOptionsJson.Serialize(asked), TrainOptionsJson.Load);
        Assert.Equal((1.5, DerivedHead.Light), (reloaded.Architecture.WidthMultiplier!.Value, reloaded.Architecture.Head!.Value));

        Assert.Equal("width_multiplier: must be in [0.25, 8], got 0", Assert.Throws<SettingException>(() => TrainOptionsResolver.Resolve(task, random, new TrainSettings { WidthMultiplier = 0 })).Message);
        Assert.Equal("head: head 'wide' is not light or decoder", Assert.Throws<SettingException>(() => TrainOptionsResolver.Resolve(task, random, new TrainSettings { Head = "wide" })).Message);

        // a run written before the settings existed was trained as searched, with the light head
        var old = Without(TrainOptionsJson.Serialize(asked), "architecture.width_multiplier", "architecture.head");
        Assert.DoesNotContain("width_multiplier", old);
        var oldOptions = Reload(old, TrainOptionsJson.Load);
        Assert.Equal((1.0, DerivedHead.Light), (oldOptions.Architecture.EffectiveWidthMultiplier, oldOptions.Architecture.EffectiveHead));
        Assert.Equal(oldOptions.Architecture.Genotype!.Filters, oldOptions.Architecture.NetworkGenotype!.Filters);
    }

    /// <summary>
    /// DnCNN and FFDNet are built with their papers' ReLU, recorded in the options file; a run whose file does not
    /// record it (written before 2026-12-08) is rebuilt with the LeakyReLU(0.2) it was trained with; no other network
    /// takes the setting.
    /// </summary>
    [Fact]
    public void BaselineActivation_IsReluAsTheirPapers_AndARunRecordedBeforeKeepsItsLeakyRelu()
    {
        var task = RestorationTask.Denoise(25, 3);
        var space = SearchOptionsResolver.Resolve(task, new SearchSettings()).Supernet.Space;
        foreach (var name in new[] { "dncnn", "ffdnet" })
        {
            var options = TrainOptionsResolver.Resolve(task, ArchitectureSpec.Parse(name, task, null, null, space), new TrainSettings());
            Assert.Equal(ArchitectureSpec.ReluActivation, options.Architecture.EffectiveActivation);
            var json = TrainOptionsJson.Serialize(options);
            Assert.Equal(ArchitectureSpec.ReluActivation, Reload(json, TrainOptionsJson.Load).Architecture.Activation);
            var before = Without(json, "architecture.activation");
            Assert.DoesNotContain("activation", before);
            Assert.Equal(ArchitectureSpec.LeakyReluActivation, Reload(before, TrainOptionsJson.Load).Architecture.EffectiveActivation);
        }
        var espcn = ArchitectureSpec.Parse("espcn", RestorationTask.SuperResolution(2, 3), null, null, space);
        Assert.Null(espcn.Activation);
        Assert.Equal("activation", Assert.Throws<SettingException>(() => (espcn with { Activation = ArchitectureSpec.ReluActivation }).Validate()).Setting);
        var dncnn = ArchitectureSpec.Parse("dncnn", task, null, null, space);
        Assert.Equal("activation: 'tanh' is not relu or leaky_relu", Assert.Throws<SettingException>(() => (dncnn with { Activation = "tanh" }).Validate()).Message);
    }

    [Fact]
    public void ConvExpansion_IsForNetworksOfFusedCells_CheckedAndKeptInTheOptionsFile()
    {
        var task = RestorationTask.Denoise(25, 3);
        var fused = SearchOptionsResolver.Resolve(task, new SearchSettings { Preset = "frame-time-denoise-fused" }).Supernet.Space;
        Assert.Equal(CellForm.Fused, fused.Form);
        var random = ArchitectureSpec.Parse("random:3", task, null, null, fused);
        var plain = TrainOptionsResolver.Resolve(task, random, new TrainSettings()).Architecture;
        Assert.Equal((null, 1), (plain.ConvExpansion, plain.EffectiveConvExpansion));
        Assert.DoesNotContain("conv_expansion", TrainOptionsJson.Serialize(TrainOptionsResolver.Resolve(task, random, new TrainSettings())));
        var asked = TrainOptionsResolver.Resolve(task, random, new TrainSettings { ConvExpansion = 4 });
        Assert.Equal(4, asked.Architecture.EffectiveConvExpansion);
        Assert.Equal(4, Reload(TrainOptionsJson.Serialize(asked), TrainOptionsJson.Load).Architecture.ConvExpansion);

        Assert.Equal("conv_expansion: must be in [1, 16], got 17", Assert.Throws<SettingException>(() => TrainOptionsResolver.Resolve(task, random, new TrainSettings { ConvExpansion = 17 })).Message);
        Assert.Equal("conv_expansion: must be in [1, 16], got 0", Assert.Throws<SettingException>(() => TrainOptionsResolver.Resolve(task, random, new TrainSettings { ConvExpansion = 0 })).Message);
        var paper = ArchitectureSpec.Parse("random:3", task, null, null, SearchOptions.DefaultsFor(task).Supernet.Space);
        Assert.StartsWith("conv_expansion: is for networks of fused cells", Assert.Throws<SettingException>(() => TrainOptionsResolver.Resolve(task, paper, new TrainSettings { ConvExpansion = 2 })).Message);
        var ffdnet = ArchitectureSpec.Parse("ffdnet", task, null, null, fused);
        Assert.Equal("conv_expansion: is for HiNAS networks of fused cells, not a ffdnet baseline", Assert.Throws<SettingException>(() => TrainOptionsResolver.Resolve(task, ffdnet, new TrainSettings { ConvExpansion = 2 })).Message);
        // fine-tuning keeps the network of the run it starts from
        Assert.Equal("init_from", Assert.Throws<SettingException>(() => TrainOptionsResolver.FineTune(asked, "/tmp/run", new TrainSettings { ConvExpansion = 2 })).Setting);
    }

    [Fact]
    public void FrameTimeNetworks_RetrainAsSearched_WithTheLightHead_UnlessAskedOtherwise()
    {
        var task = RestorationTask.Denoise(25, 3);
        var space = SearchOptionsResolver.Resolve(task, new SearchSettings { Preset = "frame-time-denoise" }).Supernet.Space;
        var random = ArchitectureSpec.Parse("random:3", task, null, null, space);
        var defaults = TrainOptionsResolver.Resolve(task, random, new TrainSettings()).Architecture;
        Assert.Equal((1.0, DerivedHead.Light), (defaults.WidthMultiplier!.Value, defaults.Head!.Value));
        Assert.Equal(space, defaults.NetworkGenotype!.Space);
        var asked = TrainOptionsResolver.Resolve(task, random, new TrainSettings { WidthMultiplier = 2, Head = "decoder" }).Architecture;
        Assert.Equal((2.0, DerivedHead.Decoder, 2), (asked.WidthMultiplier!.Value, asked.Head!.Value, asked.NetworkGenotype!.Space.PixelUnshuffle));

        // the upscaler's space at the input's resolution (fused cells, pixel-unshuffle 1) too; the paper's does not
        var sr = RestorationTask.SuperResolution(4, 3);
        var inputResolution = SearchOptionsResolver.Resolve(sr, new SearchSettings { Preset = "frame-time-sr-input" }).Supernet.Space;
        var atInput = TrainOptionsResolver.Resolve(sr, ArchitectureSpec.Parse("random:3", sr, null, null, inputResolution), new TrainSettings()).Architecture;
        Assert.Equal((1.0, DerivedHead.Light, 1), (atInput.WidthMultiplier!.Value, atInput.Head!.Value, atInput.NetworkGenotype!.Space.PixelUnshuffle));
        var paper = SearchOptionsResolver.Resolve(sr, new SearchSettings { Preset = "paper-sr" }).Supernet.Space;
        var official = TrainOptionsResolver.Resolve(sr, ArchitectureSpec.Parse("random:3", sr, null, null, paper), new TrainSettings()).Architecture;
        Assert.Equal((2.0, DerivedHead.Decoder), (official.WidthMultiplier!.Value, official.Head!.Value));
    }

    [Fact]
    public void TheBestValidationWindow_StartsAfterSixtyPercent_AndAfterTheWarmup()
    {
        Assert.False(Runs.SearchRun.InSelectionWindow(6, 10, warmup: 2));
        Assert.True(Runs.SearchRun.InSelectionWindow(7, 10, warmup: 2));
        Assert.False(Runs.SearchRun.InSelectionWindow(8, 10, warmup: 8)); // α and β never moved before epoch 9
        Assert.True(Runs.SearchRun.InSelectionWindow(9, 10, warmup: 8));
        Assert.True(Runs.SearchRun.InSelectionWindow(2, 2, warmup: 0));
    }

    [Fact]
    public void TheOperationRegistry_NamesEveryCandidate_InAlphasOrder()
    {
        Assert.Equal(OperationNames.All, Operations.All.Select(o => o.Name));
        Assert.Equal(OperationNames.NoneIndex, Operations.All.Count - 1);
        Assert.All(Operations.All, o => Assert.Equal(o.Kind is not (OperationKind.Skip or OperationKind.None), o.HasCost));
        Assert.Contains("known: conv_3x3", Assert.Throws<ArgumentException>(() => Operations.Named("conv_9x9")).Message);

        // the dilated candidates are dense in the official table, separable in DARTS's; names and order stay
        var dense = Operations.Named(OperationNames.DilConv5x5);
        var separable = Operations.Named(OperationNames.DilConv5x5, ConvStyle.Separable);
        Assert.Equal((OperationKind.Conv, 5, 2), (dense.Kind, dense.Kernel, dense.Dilation));
        Assert.Equal((OperationKind.DilatedSeparable, 5, 2), (separable.Kind, separable.Kernel, separable.Dilation));
        Assert.Equal(OperationNames.All, Operations.For(ConvStyle.Separable).Select(o => o.Name));
        Assert.NotEqual(LatencyKeys.Operation(dense, 10, 1, CellForm.Paper), LatencyKeys.Operation(separable, 10, 1, CellForm.Paper));
        Assert.Equal(LatencyKeys.Operation(Operations.Named(OperationNames.Conv3x3), 10, 1, CellForm.Paper),
            LatencyKeys.Operation(Operations.Named(OperationNames.Conv3x3, ConvStyle.Separable), 10, 1, CellForm.Paper));
        // a fused cell's operations, projections and node additions compute something else: a table never mixes the forms
        Assert.NotEqual(LatencyKeys.Operation(dense, 10, 1, CellForm.Paper), LatencyKeys.Operation(dense, 10, 1, CellForm.Fused));
        Assert.NotEqual(LatencyKeys.Projection(10, 20, 2, CellForm.Paper), LatencyKeys.Projection(10, 20, 2, CellForm.Fused));
        Assert.NotEqual(LatencyKeys.Add(10, 2, CellForm.Paper), LatencyKeys.Add(10, 2, CellForm.Fused));
    }

    /// <summary>
    /// A fused network of one node per cell on widths 16/32/48, path [0, 1, 1]: layer 1 reads the stem's two 16-channel
    /// states (no projection), layer 2 projects both (16 → 32), layer 3 only its s1 (layer 1's 16 channels); no
    /// concatenation anywhere. The paper's form projects all six and concatenates nothing either (one node).
    /// </summary>
    [Fact]
    public void AFusedNetworksPartsAreOnlyWhatItRuns()
    {
        var task = RestorationTask.Denoise(25, 3);
        var cell = new HiNas.Nas.Genotypes.CellGenotype(new[] { new HiNas.Nas.Genotypes.CellEdge(OperationNames.Conv3x3, 0), new HiNas.Nas.Genotypes.CellEdge(OperationNames.Skip, 1) });
        HiNas.Nas.Genotypes.Genotype Of(CellForm form) => new(new SearchSpace(task, 3, 1, 16, new[] { 1.0, 2.0, 3.0 }, 16, pixelUnshuffle: 2, form: form), new[] { cell, cell, cell }, new[] { 0, 1, 1 });
        var parts = NetworkLatency.Parts(Of(CellForm.Fused)).ToArray();
        Assert.Equal(new[] { "fproj:16-32/2", "fproj:16-32/2", "fproj:16-32/2" }, parts.Where(p => p.Contains("proj")));
        // the fused skip is scaled: one Mul each
        Assert.Equal(new[] { "fop:conv_3x3:16/2", "fop:skip_connect~scaled:16/2", "fop:conv_3x3:32/2", "fop:skip_connect~scaled:32/2", "fop:conv_3x3:32/2", "fop:skip_connect~scaled:32/2" }, parts.Where(p => p.Contains("op:")));
        Assert.Equal(3, parts.Count(p => p.StartsWith("fadd:")));
        Assert.DoesNotContain(parts, p => p.StartsWith("concat"));
        var paper = NetworkLatency.Parts(Of(CellForm.Paper)).ToArray();
        Assert.Equal(6, paper.Count(p => p.StartsWith("proj:")));
        Assert.DoesNotContain(paper, p => p.Contains("skip_connect"));
        Assert.DoesNotContain(paper, p => p.StartsWith("concat"));
    }

    /// <summary>Options as a file of that JSON would load.</summary>
    private static T Reload<T>(string json, Func<string, T> load)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("hinas-nas-tests").FullName, "options.json");
        File.WriteAllText(path, json);
        return load(path);
    }

    /// <summary>The JSON without the fields at the given dotted paths (as a file written before they existed).</summary>
    private static string Without(string json, params string[] paths)
    {
        var root = System.Text.Json.Nodes.JsonNode.Parse(json)!;
        foreach (var path in paths)
        {
            var parts = path.Split('.');
            var parent = parts[..^1].Aggregate(root, (node, key) => node[key]!);
            Assert.True(parent.AsObject().Remove(parts[^1]), $"{path} is not in the JSON");
        }
        return root.ToJsonString();
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
