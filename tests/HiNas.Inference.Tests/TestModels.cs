using HiNas.Imaging.Tasks;
using HiNas.Inference.Packages;
using HiNas.Onnx.Export;
using HiNas.Search.Networks;
using HiNas.Search.Runtime;
using HiNas.Nas.Genotypes;
using HiNas.Nas.Settings;
using HiNas.Nas.Space;

namespace HiNas.Inference.Tests;

/// <summary>Small real networks exported to ONNX and published as packages.</summary>
internal static class TestModels
{
    public static string TempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "hinas-inference-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>A one-layer derived network (conv 3×3 and skip only: receptive radius 4 px) with random weights.</summary>
    public static byte[] Onnx(RestorationTask task, ulong seed = 3)
    {
        using var network = Network(task, seed);
        return OnnxExporter.ExportBytes(network, task);
    }

    /// <summary>
    /// That network in TorchSharp (eval mode); <paramref name="pixelUnshuffle"/> 2 puts it in the frame-time space;
    /// <paramref name="noiseMap"/> makes it a denoiser told the noise.
    /// </summary>
    public static DerivedNetwork Network(RestorationTask task, ulong seed = 3, int pixelUnshuffle = 1, bool noiseMap = false)
    {
        var cell = new CellGenotype(new[]
        {
            new CellEdge(OperationNames.Conv3x3, 0), new CellEdge(OperationNames.Skip, 1),
            new CellEdge(OperationNames.Skip, 2), new CellEdge(OperationNames.Conv3x3, 0),
        });
        var space = new SearchSpace(task, 1, 2, 4, SearchSpace.DefaultWidthFactors, 8, pixelUnshuffle: pixelUnshuffle);
        var genotype = new Genotype(space, new[] { cell }, new[] { 1 });
        var network = TorchRuntime.Seeded(seed, () => new DerivedNetwork(genotype, noiseMap: noiseMap));
        network.eval();
        return network;
    }

    public static ModelManifest Manifest(string id, RestorationTask task) => new()
    {
        Id = id,
        Task = task.Kind == RestorationKind.Denoise ? "denoise" : "sr",
        Scale = task.Scale,
        Channels = task.Channels,
        Sigma = task.Kind == RestorationKind.Denoise ? task.Sigma : null,
        ModelBytes = 1,
        ModelSha256 = new string('0', 64),
    };

    /// <summary>The network published as a package (a frame-time one with its input multiple).</summary>
    public static ModelPackage Publish(string folder, string id, RestorationTask task, ulong seed = 3, int pixelUnshuffle = 1, bool noiseMap = false)
    {
        using var network = Network(task, seed, pixelUnshuffle, noiseMap);
        var manifest = Manifest(id, task) with { InputMultiple = pixelUnshuffle };
        if (noiseMap) manifest = manifest with { NoiseLevelInput = NoiseLevelMap.InputName, SigmaRange = new[] { 0.0, 50.0 } };
        return ModelPackage.Publish(Path.Combine(folder, id), manifest, OnnxExporter.ExportBytes(network, task));
    }
}
