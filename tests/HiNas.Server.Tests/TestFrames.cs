using Google.Protobuf;
using HiNas.Imaging.Tasks;
using HiNas.Inference.Packages;
using HiNas.Onnx.Export;
using HiNas.Protocol.V1;
using HiNas.Search.Baselines;
using HiNas.Search.Runtime;

namespace HiNas.Server.Tests;

internal static class TestFrames
{
    /// <summary>A smooth colour pattern with seeded noise, rows padded to <paramref name="stride"/> (padding bytes 0xEE).</summary>
    public static byte[] Rgba(int width, int height, int stride, int seed)
    {
        var random = new Random(seed);
        var bytes = new byte[stride * height];
        Array.Fill(bytes, (byte)0xEE);
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
            {
                var o = y * stride + 4 * x;
                bytes[o] = Clamp(128 + 80 * Math.Sin(x * 0.2 + seed) + random.Next(-30, 31));
                bytes[o + 1] = Clamp(100 + 60 * Math.Cos(y * 0.15) + random.Next(-30, 31));
                bytes[o + 2] = Clamp(90 + (x + y) % 64 + random.Next(-30, 31));
                bytes[o + 3] = (byte)(x * 7 + y);
            }
        return bytes;
    }

    private static byte Clamp(double v) => (byte)Math.Clamp((int)Math.Round(v), 0, 255);

    public static StreamFrame StreamFrame(ulong sequence, int width, int height, int stride, byte[] pixels) => new()
    {
        Sequence = sequence, ClientTimestampUs = (long)sequence * 1000, Width = (uint)width, Height = (uint)height, Stride = (uint)stride,
        Pixels = ByteString.CopyFrom(pixels),
    };

    public static RestoreStreamRequest Config(string model, uint maxInFlight, OverloadPolicy policy, PixelFormat format = PixelFormat.Rgba8, uint maxLatencyMs = 0) => new()
    {
        Config = new StreamConfig { ModelId = model, Format = format, MaxInFlight = maxInFlight, OverloadPolicy = policy, MaxLatencyMs = maxLatencyMs },
    };

    /// <summary>
    /// A deliberately slow real model: a DnCNN 6 × 96 channels (≈ 1 MFLOP per pixel, tens of ms for a 64×64
    /// RGB frame here), exported to ONNX and published into <paramref name="repository"/> as "slow".
    /// </summary>
    public static void PublishSlowModel(string repository)
    {
        var task = RestorationTask.Denoise(25, 3);
        using var network = TorchRuntime.Seeded(7, () => new DnCnn(task, 6, 96));
        network.eval();
        var onnx = OnnxExporter.ExportBytes(network, task);
        var manifest = new ModelManifest
        {
            Id = "slow", Task = "denoise", Scale = 1, Channels = 3, Sigma = 25, Architecture = "dncnn",
            ModelBytes = onnx.Length, ModelSha256 = ModelPackage.Sha256(onnx),
        };
        ModelPackage.Publish(Path.Combine(repository, "slow"), manifest, onnx);
    }

    /// <summary>A small real denoiser told the noise (DnCNN 3 × 8 with the noise-level plane, σ 0–50), published as "told".</summary>
    public static void PublishToldModel(string repository)
    {
        var task = RestorationTask.Denoise(25, 3);
        using var network = TorchRuntime.Seeded(5, () => new DnCnn(task, 3, 8, noiseMap: true));
        network.eval();
        var onnx = OnnxExporter.ExportBytes(network, task);
        var manifest = new ModelManifest
        {
            Id = "told", Task = "denoise", Scale = 1, Channels = 3, Sigma = 25, SigmaRange = new[] { 0.0, 50.0 }, Architecture = "dncnn",
            NoiseLevelInput = NoiseLevelMap.InputName, ModelBytes = onnx.Length, ModelSha256 = ModelPackage.Sha256(onnx),
        };
        ModelPackage.Publish(Path.Combine(repository, "told"), manifest, onnx);
    }
}
