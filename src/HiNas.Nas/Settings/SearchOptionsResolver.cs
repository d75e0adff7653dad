using HiNas.Imaging.Tasks;
using HiNas.Nas.Latency;
using HiNas.Nas.Space;

namespace HiNas.Nas.Settings;

/// <summary>
/// The one resolver of search settings: the task's defaults (<see cref="SearchOptions.DefaultsFor"/>), then the
/// preset, then every explicit setting, then every range check (<see cref="SearchOptions.Validate"/>). `hinas search`
/// and the Jobs service both call it, so the same settings give the same options.json, and the same mistake the
/// same <see cref="SettingException"/>.
/// </summary>
public static class SearchOptionsResolver
{
    public static SearchOptions Resolve(RestorationTask task, SearchSettings s)
    {
        var o = SearchOptions.DefaultsFor(task);
        if (s.Preset is { Length: > 0 } preset)
        {
            if (!SearchPresets.Names.Contains(preset)) throw new SettingException("preset", $"'{preset}' is not one of {string.Join(", ", SearchPresets.Names)}");
            if (SearchPresets.KindOf(preset) != task.Kind) throw new SettingException("preset", $"'{preset}' does not fit the task {task.Slug}");
            o = SearchPresets.Apply(preset, o);
        }
        if (s.WeightOptimizer is { Length: > 0 } optimizer) o = o.WithWeightOptimizer(optimizer);
        var n = o.Supernet;
        var epochs = s.Epochs ?? o.Epochs;
        o = o with
        {
            Supernet = n with
            {
                Layers = s.Layers ?? n.Layers, Blocks = s.Blocks ?? n.Blocks, Filters = s.Filters ?? n.Filters,
                StemChannels = s.StemChannels ?? n.StemChannels, PixelUnshuffle = s.PixelUnshuffle ?? n.PixelUnshuffle, TieCells = s.TieCells, CellSharing = !s.NoCellSharing,
                DilatedConvs = s.DilatedConvs is { Length: > 0 } dilated ? AsSetting(ConvStyles.DilatedSetting, () => ConvStyles.Parse(dilated, ConvStyles.DilatedWhat)) : n.DilatedConvs,
                HeadConv = s.HeadConv is { Length: > 0 } head ? AsSetting(ConvStyles.HeadSetting, () => ConvStyles.Parse(head, ConvStyles.HeadWhat)) : n.HeadConv,
                Form = s.CellForm is { Length: > 0 } form ? AsSetting(CellForms.Setting, () => CellForms.Parse(form)) : n.Form,
                Candidates = s.Operations is { Length: > 0 } operations ? AsSetting(OperationSet.Setting, () => OperationSet.Parse(operations)) : n.Candidates,
                WidthFactors = s.WidthFactors ?? n.WidthFactors,
            },
            Data = DataSpec.Parse(s.Data),
            Epochs = epochs,
            Warmup = s.Warmup ?? o.WarmupFor(epochs),
            StepsPerEpoch = s.StepsPerEpoch ?? o.StepsPerEpoch,
            Batch = s.Batch ?? o.Batch,
            Crop = s.Crop ?? o.Crop,
            Seed = s.Seed ?? o.Seed,
            SkipDropout = s.SkipDropout ?? o.SkipDropout,
            OperationDropout = s.OperationDropout ?? o.OperationDropout,
            SupernetTraining = s.SupernetTraining is { Length: > 0 } training ? training : o.SupernetTraining,
            RankedNetworks = s.RankedNetworks ?? o.RankedNetworks,
            SinglePathStepsPerEpoch = s.SinglePathStepsPerEpoch ?? o.SinglePathStepsPerEpoch,
            PixelLoss = s.PixelLoss is { Length: > 0 } pixelLoss ? pixelLoss : o.PixelLoss,
            ArchitectLearningRate = s.ArchitectLearningRate ?? o.ArchitectLearningRate,
            ArchitectWeightDecay = s.ArchitectWeightDecay ?? o.ArchitectWeightDecay,
            Threads = s.Threads,
            Device = s.Device ?? o.Device,
            Latency = Objective(s),
        };
        o.Validate();
        return o;
    }

    /// <summary>A value parsed by its own parser, whose complaint becomes the setting's error.</summary>
    private static T AsSetting<T>(string setting, Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (ArgumentException e)
        {
            throw new SettingException(setting, e.Message);
        }
    }

    /// <summary>Width factors as a user writes them, "1,2,3": 1 to 8 positive numbers, comma-separated; null when not given.</summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(text))]
    public static IReadOnlyList<double>? ParseWidthFactors(string? text)
    {
        if (text is null) return null;
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var factors = new double[parts.Length];
        for (var i = 0; i < parts.Length; i++)
            if (!double.TryParse(parts[i], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out factors[i]) || !(factors[i] > 0) || factors[i] > 16)
                throw new SettingException("width_factors", $"'{text}' is not 1 to 8 comma-separated numbers in (0, 16] ('{parts[i]}' is not)");
        SettingException.Require(factors.Length is >= 1 and <= 8, "width_factors", $"'{text}' has {factors.Length} factors; 1 to 8 are allowed");
        return factors;
    }

    private static LatencyObjective? Objective(SearchSettings s)
    {
        if (s.LatencyTable is null && s.BudgetMs is null && s.LatencyWeight is null && s.BudgetBand is null) return null;
        if (s.BudgetMs is null) throw new SettingException("budget_ms", "is not given: a latency budget needs budget_ms and a latency table");
        if (string.IsNullOrWhiteSpace(s.LatencyTable)) throw new SettingException("latency_table", "is not given: a latency budget needs budget_ms and a latency table");
        return new LatencyObjective { TablePath = Path.GetFullPath(s.LatencyTable), BudgetMs = s.BudgetMs.Value, Weight = s.LatencyWeight ?? LatencyObjective.DefaultWeight, Band = s.BudgetBand ?? 0 };
    }
}
