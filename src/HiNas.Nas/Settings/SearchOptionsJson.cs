using HiNas.Nas.Genotypes;
using HiNas.Nas.Runs;
using HiNas.Nas.Space;

namespace HiNas.Nas.Settings;

/// <summary>RUN_DIR/options.json: the resolved search options, flat and snake_case.</summary>
public static class SearchOptionsJson
{
    /// <summary>The options.json text: the same bytes whoever resolved the options (CLI or Jobs service).</summary>
    public static string Serialize(SearchOptions options) => RunFiles.ToJson(Dto.From(options));

    public static void Save(SearchOptions options, string path) => RunFiles.WriteAllTextAtomic(path, Serialize(options));

    public static SearchOptions Load(string path) => RunFiles.ReadJson<Dto>(path).ToOptions(path);

    private sealed class Dto
    {
        public string? RunName { get; set; }
        public TaskDto? Task { get; set; }
        public int Layers { get; set; }
        public int Blocks { get; set; }
        public int Filters { get; set; }
        public double[]? WidthFactors { get; set; }
        public int StemChannels { get; set; }

        /// <summary>Absent in runs started before the frame-time space: the paper's space (1).</summary>
        public int? PixelUnshuffle { get; set; }
        public bool TieCells { get; set; }
        public bool CellSharing { get; set; }
        public string? DilatedConvs { get; set; }

        /// <summary>Written when separable only; absent is dense (and every run started before the setting existed).</summary>
        public string? HeadConv { get; set; }

        /// <summary>Written when fused only; absent is the paper's form (and every run started before the setting existed).</summary>
        public string? CellForm { get; set; }

        /// <summary>Written when the space offers only some operations; absent is every one (and every run started before the setting existed).</summary>
        public string[]? Operations { get; set; }
        public string? Data { get; set; }
        public int Epochs { get; set; }
        public int Warmup { get; set; }
        public int StepsPerEpoch { get; set; }
        public int Batch { get; set; }
        public int Crop { get; set; }
        public ulong Seed { get; set; }
        public double ArchitectSplit { get; set; }
        /// <summary>Absent in runs started before the setting existed: SGD.</summary>
        public string? WeightOptimizer { get; set; }
        public double WeightLearningRate { get; set; }
        public double WeightLearningRateMin { get; set; }
        public double Momentum { get; set; }
        public double WeightDecay { get; set; }
        public double GradientClip { get; set; }
        public double ArchitectLearningRate { get; set; }
        public double ArchitectWeightDecay { get; set; }
        public double SkipDropout { get; set; }
        /// <summary>Absent in runs started before the setting existed: 0.</summary>
        public double OperationDropout { get; set; }
        /// <summary>Absent in runs started before the setting existed: the mixture.</summary>
        public string? SupernetTraining { get; set; }
        /// <summary>Absent in runs started before the setting existed: 64.</summary>
        public int? RankedNetworks { get; set; }
        /// <summary>Absent: the single-path epochs take steps_per_epoch steps.</summary>
        public int? SinglePathStepsPerEpoch { get; set; }

        /// <summary>Absent: the task's loss (the paper's).</summary>
        public string? PixelLoss { get; set; }
        public int? Threads { get; set; }
        public string? Device { get; set; }
        public string? LatencyTable { get; set; }
        public double? BudgetMs { get; set; }
        public double? LatencyWeight { get; set; }
        public double? BudgetBand { get; set; }
        /// <summary>Absent: not measured (<see cref="Latency.LatencyObjective.Calibration"/>).</summary>
        public double? LatencyCalibration { get; set; }

        public static Dto From(SearchOptions o) => new()
        {
            RunName = o.RunName,
            Task = TaskDto.From(o.Supernet.Task),
            Layers = o.Supernet.Layers,
            Blocks = o.Supernet.Blocks,
            Filters = o.Supernet.Filters,
            WidthFactors = o.Supernet.WidthFactors.ToArray(),
            StemChannels = o.Supernet.StemChannels,
            PixelUnshuffle = o.Supernet.PixelUnshuffle,
            TieCells = o.Supernet.TieCells,
            CellSharing = o.Supernet.CellSharing,
            DilatedConvs = o.Supernet.DilatedConvs.Name(),
            HeadConv = o.Supernet.HeadConv.HeadJson(),
            CellForm = o.Supernet.Form.Json(),
            Operations = o.Supernet.Candidates.Json()?.ToArray(),
            Data = o.Data.ToString(),
            Epochs = o.Epochs,
            Warmup = o.Warmup,
            StepsPerEpoch = o.StepsPerEpoch,
            Batch = o.Batch,
            Crop = o.Crop,
            Seed = o.Seed,
            ArchitectSplit = o.ArchitectSplit,
            WeightOptimizer = o.WeightOptimizer,
            WeightLearningRate = o.WeightLearningRate,
            WeightLearningRateMin = o.WeightLearningRateMin,
            Momentum = o.Momentum,
            WeightDecay = o.WeightDecay,
            GradientClip = o.GradientClip,
            ArchitectLearningRate = o.ArchitectLearningRate,
            ArchitectWeightDecay = o.ArchitectWeightDecay,
            SkipDropout = o.SkipDropout,
            OperationDropout = o.OperationDropout,
            SupernetTraining = o.SupernetTraining,
            RankedNetworks = o.RankedNetworks,
            SinglePathStepsPerEpoch = o.SinglePathStepsPerEpoch,
            PixelLoss = o.PixelLoss,
            Threads = o.Threads,
            Device = o.Device,
            LatencyTable = o.Latency?.TablePath,
            BudgetMs = o.Latency?.BudgetMs,
            LatencyWeight = o.Latency?.Weight,
            BudgetBand = o.Latency is { Band: > 0 } band ? band.Band : null,
            LatencyCalibration = o.Latency?.Calibration,
        };

        public SearchOptions ToOptions(string path)
        {
            if (Task is null || WidthFactors is null) throw new InvalidDataException($"'{path}' lacks 'task' or 'width_factors'");
            try
            {
                var options = new SearchOptions
                {
                    Supernet = new SupernetConfig
                    {
                        Task = Task.ToTask(), Layers = Layers, Blocks = Blocks, Filters = Filters, WidthFactors = WidthFactors,
                        StemChannels = StemChannels, PixelUnshuffle = PixelUnshuffle ?? 1, TieCells = TieCells, CellSharing = CellSharing,
                        // a run started before the setting existed searched separable dilated convolutions
                        DilatedConvs = ConvStyles.DilatedFromJson(DilatedConvs),
                        HeadConv = ConvStyles.HeadFromJson(HeadConv),
                        Form = CellForms.FromJson(CellForm),
                        Candidates = OperationSet.FromJson(Operations),
                    },
                    Data = DataSpec.Parse(Data),
                    Epochs = Epochs, Warmup = Warmup, StepsPerEpoch = StepsPerEpoch, Batch = Batch, Crop = Crop, Seed = Seed,
                    ArchitectSplit = ArchitectSplit, WeightOptimizer = WeightOptimizer ?? WeightOptimizers.Sgd, WeightLearningRate = WeightLearningRate, WeightLearningRateMin = WeightLearningRateMin,
                    Momentum = Momentum, WeightDecay = WeightDecay, GradientClip = GradientClip,
                    ArchitectLearningRate = ArchitectLearningRate, ArchitectWeightDecay = ArchitectWeightDecay, SkipDropout = SkipDropout, OperationDropout = OperationDropout, PixelLoss = PixelLoss,
                    SupernetTraining = SupernetTraining ?? SupernetTrainings.Mixture, RankedNetworks = RankedNetworks ?? SearchOptions.DefaultRankedNetworks,
                    SinglePathStepsPerEpoch = SinglePathStepsPerEpoch,
                    Threads = Threads, Device = Device ?? "auto",
                    Latency = LatencyTable is null ? null : new Latency.LatencyObjective { TablePath = LatencyTable, BudgetMs = BudgetMs ?? 0, Weight = LatencyWeight ?? 1.0, Band = BudgetBand ?? 0, Calibration = LatencyCalibration },
                };
                options.Validate();
                return options;
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"'{path}': {e.Message.Split(" (Parameter")[0]}", e);
            }
        }
    }
}
