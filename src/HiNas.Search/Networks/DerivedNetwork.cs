using HiNas.Imaging.Tasks;
using HiNas.Search.Cells;
using HiNas.Search.Operations;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using HiNas.Nas.Genotypes;
using HiNas.Search.Export;
using HiNas.Search.Networks.Decoders;
using HiNas.Nas.Space;

namespace HiNas.Search.Networks;

/// <summary>
/// The network a <see cref="Genotype"/> describes: the stem (its first s0 has B·C₀ channels, its first s1 C₀);
/// for layer l at width level w_l (C = round(factor·F) per node) a LeakyReLU + 1×1 conv + BN projecting
/// the previous state (s0) and the one before it (s1) to C channels (fused cells: 1×1 conv + BN where the channels
/// differ, <see cref="OperationTable.Projection"/>), then the fixed cell of layer l; on the last
/// cell the light head or the decoder (which also reads the stem's first s0, its low-level features); the task's
/// residual. Only what the output needs is built (<see cref="Genotype.Liveness"/>): a dead layer has no modules, and a
/// cell's unread input no projection; modules keep their layer's index in their names (<see cref="LayerModules{T}"/>). Retraining wider than the
/// search is a widened genotype (<see cref="Genotype.Widened"/>).
/// </summary>
public sealed class DerivedNetwork : Module<Tensor, Tensor>, IRestorationNetwork
{
    private readonly Stem stem;
    private readonly LayerModules<Module<Tensor, Tensor>> preprocess0;
    private readonly LayerModules<Module<Tensor, Tensor>> preprocess1;
    private readonly LayerModules<DerivedCell> cells;
    private readonly RestorationHead? head;
    private readonly Decoder? decoder;

    /// <param name="noiseMap">a denoiser told the noise: the stem also reads the noise-level plane (<see cref="IRestorationNetwork.NoiseMap"/>)</param>
    /// <param name="convExpansion">fused cells: their k×k convolutions train expanded (<see cref="CollapsibleConv"/>); 1: as served</param>
    public DerivedNetwork(Genotype genotype, DerivedHead headKind = DerivedHead.Light, bool noiseMap = false, int convExpansion = 1) : base(nameof(DerivedNetwork))
    {
        if (noiseMap && genotype.Task.Kind != RestorationKind.Denoise) throw new ArgumentException($"a noise-level map is for denoising, not {genotype.Task.Slug}", nameof(noiseMap));
        Genotype = genotype;
        Head = headKind;
        NoiseMap = noiseMap;
        ConvExpansion = convExpansion;
        var b = genotype.Blocks;
        var c0 = genotype.NodeChannels(0);
        stem = new Stem(genotype.Task.Channels + (noiseMap ? 1 : 0), genotype.Space);
        preprocess0 = new LayerModules<Module<Tensor, Tensor>>();
        preprocess1 = new LayerModules<Module<Tensor, Tensor>>();
        cells = new LayerModules<DerivedCell>();
        var live = genotype.Liveness;
        long previous = b * c0, beforePrevious = c0;
        for (var l = 0; l < genotype.Layers; l++)
        {
            var c = genotype.NodeChannels(genotype.WidthPath[l]);
            if (live.IsLive(l))
            {
                if (live.ReadsPrevious(l)) preprocess0.Add(l, OperationTable.Projection(genotype.Space, previous, c, affine: true));
                if (live.ReadsBeforePrevious(l)) preprocess1.Add(l, OperationTable.Projection(genotype.Space, beforePrevious, c, affine: true));
                cells.Add(l, new DerivedCell(genotype.Cells[l], c, genotype.Space, convExpansion));
            }
            (beforePrevious, previous) = (previous, b * c);
        }
        if (headKind == DerivedHead.Decoder) decoder = new Decoder(b * c0, previous, genotype.Task, genotype.Space.PixelUnshuffle);
        else head = new RestorationHead(previous, genotype.Task, genotype.Space.PixelUnshuffle, genotype.Space.HeadConv, genotype.Space.Form);
        RegisterComponents();
    }

    public Genotype Genotype { get; }

    public DerivedHead Head { get; }

    public TorchSharp.Modules.Conv2d PredictionLayer => decoder?.PredictionLayer ?? head!.PredictionLayer;

    public bool NoiseMap { get; }

    /// <summary>How many times expanded its cells' k×k convolutions train (<see cref="CollapsibleConv"/>; 1: as served).</summary>
    public int ConvExpansion { get; }

    public RestorationTask Task => Genotype.Task;

    public int PixelUnshuffle => Genotype.Space.PixelUnshuffle;


    public string Describe() =>
        $"HiNAS L{Genotype.Layers} B{Genotype.Blocks} F{Genotype.Filters} path [{string.Join(",", Genotype.WidthPath)}] {Genotype.Space.DilatedConvs.Name()} dilations, {(decoder is null && Genotype.Space.HeadConv == ConvStyle.Separable ? "separable " : "")}{Head.Name()} head"
        + (Genotype.Space.IsFrameTime ? $", pixel-unshuffle ×{Genotype.Space.PixelUnshuffle}" : "")
        + (Genotype.Space.Form == CellForm.Paper ? "" : $", {Genotype.Space.Form.Name()} cells") + (modules().OfType<CollapsibleConv>().Any() ? $" (convolutions trained ×{ConvExpansion} expanded)" : "") + (NoiseMap ? ", noise-level map" : "")
        + (Genotype.Liveness.Dead is { Count: > 0 } dead ? $", layer{(dead.Count > 1 ? "s" : "")} {string.Join(", ", dead.Select(l => l + 1))} dead (not run)" : "");

    public Prediction EmitPrediction(IGraphEmitter g, string input)
    {
        var (s0, s1) = stem.Emit(g, input);
        string? previous = s0, beforePrevious = s1;
        for (var l = 0; l < Genotype.Layers; l++)
        {
            var output = cells.TryGet(l, out var cell)
                ? cell.Emit(g, Read(preprocess0, l, previous, (p, s) => ((IExportable)p).Emit(g, s)), Read(preprocess1, l, beforePrevious, (p, s) => ((IExportable)p).Emit(g, s)))
                : null;
            (beforePrevious, previous) = (previous, output);
        }
        return decoder is null ? head!.Emit(g, previous!) : decoder.Emit(g, s0, previous!);
    }

    public override Tensor forward(Tensor x)
    {
        var (s0, s1) = stem.call(x);
        Tensor? previous = s0, beforePrevious = s1;
        for (var l = 0; l < Genotype.Layers; l++)
        {
            // a cell's unread input is null (DerivedCell.forward reads only what its edges name)
            var output = cells.TryGet(l, out var cell)
                ? cell.call(Read(preprocess0, l, previous, (p, s) => p.call(s))!, Read(preprocess1, l, beforePrevious, (p, s) => p.call(s))!)
                : null;
            (beforePrevious, previous) = (previous, output);
        }
        var prediction = decoder is null ? head!.call(previous!) : decoder.call(s0, previous!);
        return TaskResidual.Apply(Task, x, PixelUnshuffling.CropTo(prediction, x, Task.Scale));
    }

    /// <summary>Layer <paramref name="layer"/>'s projection of <paramref name="state"/>, or null where its cell does not read it (and the state may be a dead layer's).</summary>
    private static T? Read<T>(LayerModules<Module<Tensor, Tensor>> projections, int layer, T? state, Func<Module<Tensor, Tensor>, T, T> project) where T : class =>
        projections.TryGet(layer, out var projection) ? project(projection, state!) : null;
}
