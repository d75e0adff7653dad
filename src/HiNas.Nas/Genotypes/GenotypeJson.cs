using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using HiNas.Imaging.Tasks;
using HiNas.Nas.Runs;
using HiNas.Nas.Space;

namespace HiNas.Nas.Genotypes;

/// <summary>
/// The Genotype's JSON form (schema "hinas.genotype/v1"): snake_case, cells as lists of [op, input] pairs,
/// α and β as nested arrays, with α's and β's normalised entropies for the reader (1 = uniform; recomputed from α
/// and β, never read back). Reading checks the schema and every field and names what is wrong.
/// </summary>
public static class GenotypeJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Serialize(Genotype genotype)
    {
        var dto = new GenotypeDto
        {
            Schema = Genotype.Schema,
            Task = TaskDto.From(genotype.Task),
            Layers = genotype.Layers,
            Blocks = genotype.Blocks,
            Filters = genotype.Filters,
            WidthFactors = genotype.WidthFactors.ToArray(),
            StemChannels = genotype.StemChannels,
            DilatedConvs = genotype.Space.DilatedConvs.Name(),
            PixelUnshuffle = genotype.Space.IsFrameTime ? genotype.Space.PixelUnshuffle : null,
            HeadConv = genotype.Space.HeadConv.HeadJson(),
            CellForm = genotype.Space.Form.Json(),
            Operations = genotype.Space.Candidates.Json()?.ToArray(),
            Cells = genotype.Cells.Select(c => c.Edges.Select(e => new JsonArray(e.Op, e.Input)).ToArray()).ToArray(),
            WidthPath = genotype.WidthPath.ToArray(),
            Alpha = genotype.Alpha,
            Beta = genotype.Beta,
            AlphaEntropy = genotype.AlphaEntropy,
            BetaEntropy = genotype.BetaEntropy,
        };
        return JsonSerializer.Serialize(dto, Options);
    }

    public static Genotype Deserialize(string json, string source = "genotype")
    {
        GenotypeDto? dto;
        try
        {
            dto = JsonSerializer.Deserialize<GenotypeDto>(json, Options);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not valid genotype JSON ({e.Message})", e);
        }
        if (dto is null) throw new InvalidDataException($"{source}: empty genotype JSON");
        if (dto.Schema != Genotype.Schema)
            throw new InvalidDataException($"{source}: schema is '{dto.Schema ?? "(missing)"}', expected '{Genotype.Schema}'");
        if (dto.Task is null) throw new InvalidDataException($"{source}: 'task' is missing");
        if (dto.Cells is null) throw new InvalidDataException($"{source}: 'cells' is missing");
        if (dto.WidthFactors is null) throw new InvalidDataException($"{source}: 'width_factors' is missing");
        if (dto.WidthPath is null) throw new InvalidDataException($"{source}: 'width_path' is missing");
        try
        {
            // A genotype written before the setting existed was searched with separable dilated convolutions.
            var dilated = ConvStyles.DilatedFromJson(dto.DilatedConvs);
            var head = ConvStyles.HeadFromJson(dto.HeadConv);
            var form = CellForms.FromJson(dto.CellForm);
            var cells = dto.Cells.Select((edges, l) => new CellGenotype(edges.Select((pair, i) => ParseEdge(pair, l, i)).ToArray())).ToArray();
            return new Genotype(new SearchSpace(dto.Task.ToTask(), dto.Layers, dto.Blocks, dto.Filters, dto.WidthFactors, dto.StemChannels, dilated, dto.PixelUnshuffle ?? 1, head, form, OperationSet.FromJson(dto.Operations)), cells, dto.WidthPath, dto.Alpha, dto.Beta);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{source}: {e.Message.Split(" (Parameter")[0]}", e);
        }
    }

    public static void Save(Genotype genotype, string path) => RunFiles.WriteAllTextAtomic(path, Serialize(genotype));

    public static Genotype Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"genotype file '{path}' does not exist", path);
        return Deserialize(File.ReadAllText(path), path);
    }

    private static CellEdge ParseEdge(JsonArray? pair, int layer, int index)
    {
        if (pair is null || pair.Count != 2 || pair[0] is not JsonValue op || pair[1] is not JsonValue input
            || !op.TryGetValue<string>(out var name) || !input.TryGetValue<int>(out var from))
            throw new ArgumentException($"layer {layer + 1} edge {index}: expected [\"op\", input]");
        return new CellEdge(name, from);
    }

    private sealed class GenotypeDto
    {
        public string? Schema { get; set; }
        public TaskDto? Task { get; set; }
        public int Layers { get; set; }
        public int Blocks { get; set; }
        public int Filters { get; set; }
        public double[]? WidthFactors { get; set; }
        public int StemChannels { get; set; }
        public string? DilatedConvs { get; set; }

        /// <summary>Written for the frame-time space only; absent is the paper's space (r = 1).</summary>
        public int? PixelUnshuffle { get; set; }

        /// <summary>Written when separable only; absent is the dense head convolution.</summary>
        public string? HeadConv { get; set; }

        /// <summary>Written when fused only; absent is the paper's form.</summary>
        public string? CellForm { get; set; }

        /// <summary>Written when the space offers only some operations; absent is every one.</summary>
        public string[]? Operations { get; set; }
        public JsonArray[][]? Cells { get; set; }
        public int[]? WidthPath { get; set; }
        public double[][][]? Alpha { get; set; }
        public double[][]? Beta { get; set; }
        public double? AlphaEntropy { get; set; }
        public double? BetaEntropy { get; set; }
    }
}

/// <summary>A <see cref="RestorationTask"/> as JSON: kind ("denoise" | "sr"), sigma, scale, channels.</summary>
public sealed class TaskDto
{
    public string? Kind { get; set; }
    public double Sigma { get; set; }
    public int Scale { get; set; }
    public int Channels { get; set; }

    public static TaskDto From(RestorationTask task) => new()
    {
        Kind = task.Kind == RestorationKind.Denoise ? "denoise" : "sr",
        Sigma = task.Sigma,
        Scale = task.Scale,
        Channels = task.Channels,
    };

    public RestorationTask ToTask() => Kind switch
    {
        "denoise" => RestorationTask.Denoise(Sigma, Channels),
        "sr" => RestorationTask.SuperResolution(Scale, Channels),
        _ => throw new ArgumentException($"task kind '{Kind}' is not 'denoise' or 'sr'"),
    };
}
