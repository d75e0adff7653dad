using System.Text.Json.Nodes;
using HiNas.Nas.Genotypes;
using HiNas.Nas.Runs;
using HiNas.Nas.Space;

namespace HiNas.Nas.Settings;

/// <summary>TRAIN_DIR/options.json: the resolved training options with the architecture (genotype inline).</summary>
public static class TrainOptionsJson
{
    /// <summary>The options.json text: the same bytes whoever resolved the options (CLI or Jobs service).</summary>
    public static string Serialize(TrainOptions options) => RunFiles.ToJson(Dto.From(options));

    public static void Save(TrainOptions options, string path) => RunFiles.WriteAllTextAtomic(path, Serialize(options));

    public static TrainOptions Load(string path) => RunFiles.ReadJson<Dto>(path).ToOptions(path);

    private sealed class ArchitectureDto
    {
        public string? Kind { get; set; }
        public JsonNode? Genotype { get; set; }
        public ulong? RandomSeed { get; set; }
        public int? Depth { get; set; }
        public int? Width { get; set; }
        public double? WidthMultiplier { get; set; }
        public string? Head { get; set; }
        public int? ConvExpansion { get; set; }
        public string? Activation { get; set; }
    }

    private sealed class Dto
    {
        public string? RunName { get; set; }
        public TaskDto? Task { get; set; }
        public ArchitectureDto? Architecture { get; set; }
        public string? Data { get; set; }
        public int Iterations { get; set; }
        public int Batch { get; set; }
        public int Crop { get; set; }
        public double LearningRate { get; set; }
        public double LearningRateMin { get; set; }
        public string? Schedule { get; set; }
        public int ValidateEvery { get; set; }
        public double[]? NoiseSigmaRange { get; set; }
        public bool NoiseMap { get; set; }
        public string? PixelLoss { get; set; }
        public ulong Seed { get; set; }
        public int? Threads { get; set; }
        public string? Device { get; set; }
        public string? InitFrom { get; set; }

        public static Dto From(TrainOptions o) => new()
        {
            RunName = o.RunName,
            Task = TaskDto.From(o.Task),
            Architecture = new ArchitectureDto
            {
                Kind = o.Architecture.Kind,
                Genotype = o.Architecture.Genotype is { } g ? JsonNode.Parse(GenotypeJson.Serialize(g)) : null,
                RandomSeed = o.Architecture.RandomSeed,
                Depth = o.Architecture.Depth,
                Width = o.Architecture.Width,
                WidthMultiplier = o.Architecture.WidthMultiplier,
                Head = o.Architecture.Head?.Name(),
                ConvExpansion = o.Architecture.ConvExpansion,
                // recorded for every stack that takes it, so that a file without it is one written before it existed
                Activation = ArchitectureSpec.HasStackActivation(o.Architecture.Kind) ? o.Architecture.EffectiveActivation : null,
            },
            Data = o.Data.ToString(),
            Iterations = o.Iterations,
            Batch = o.Batch,
            Crop = o.Crop,
            LearningRate = o.LearningRate,
            LearningRateMin = o.LearningRateMin,
            Schedule = o.Schedule,
            ValidateEvery = o.ValidateEvery,
            NoiseSigmaRange = o.NoiseSigmaRange,
            NoiseMap = o.NoiseMap,
            PixelLoss = o.PixelLoss,
            Seed = o.Seed,
            Threads = o.Threads,
            Device = o.Device,
            InitFrom = o.InitFrom,
        };

        public TrainOptions ToOptions(string path)
        {
            if (Task is null || Architecture?.Kind is null) throw new InvalidDataException($"'{path}' lacks 'task' or 'architecture'");
            try
            {
                var options = new TrainOptions
                {
                    Task = Task.ToTask(),
                    Architecture = new ArchitectureSpec
                    {
                        Kind = Architecture.Kind,
                        Genotype = Architecture.Genotype is { } g ? GenotypeJson.Deserialize(g.ToJsonString(), $"{path} (architecture.genotype)") : null,
                        RandomSeed = Architecture.RandomSeed,
                        Depth = Architecture.Depth,
                        Width = Architecture.Width,
                        // unset for a HiNAS network trained before these settings existed: as searched (EffectiveHead, …)
                        WidthMultiplier = Architecture.WidthMultiplier,
                        Head = Architecture.Head is { } head ? DerivedHeads.Parse(head) : null,
                        ConvExpansion = Architecture.ConvExpansion,
                        // missing for a DnCNN or FFDNet trained before it was recorded: the LeakyReLU it had then
                        Activation = Architecture.Activation ?? (ArchitectureSpec.HasStackActivation(Architecture.Kind) ? ArchitectureSpec.LeakyReluActivation : null),
                    },
                    Data = DataSpec.Parse(Data),
                    Iterations = Iterations, Batch = Batch, Crop = Crop, LearningRate = LearningRate, LearningRateMin = LearningRateMin,
                    Schedule = Schedule ?? "cosine", ValidateEvery = ValidateEvery, NoiseSigmaRange = NoiseSigmaRange, NoiseMap = NoiseMap, PixelLoss = PixelLoss, Seed = Seed, Threads = Threads, Device = Device ?? "auto",
                    InitFrom = InitFrom,
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
