using HiNas.Imaging.Datasets;
using HiNas.Imaging.Pixels;
using TorchSharp;
using static TorchSharp.torch;

namespace HiNas.Search.Data;

/// <summary>Planar images ⇄ NCHW float32 tensors.</summary>
public static class TensorImages
{
    /// <summary>Stacks same-shaped images into an N×C×H×W tensor on <paramref name="device"/>.</summary>
    public static Tensor ToBatch(IReadOnlyList<PlanarImage> images, Device device)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0) throw new ArgumentException("a batch needs at least one image", nameof(images));
        var first = images[0];
        var sampleSize = first.Data.Length;
        var buffer = new float[images.Count * sampleSize];
        for (var i = 0; i < images.Count; i++)
        {
            if (!images[i].SameShape(first))
                throw new ArgumentException($"batch image {i} is {images[i].ShapeText} but image 0 is {first.ShapeText}", nameof(images));
            images[i].Data.CopyTo(buffer, i * sampleSize);
        }
        var tensor = torch.tensor(buffer, new long[] { images.Count, first.Channels, first.Height, first.Width });
        return device.type == DeviceType.CPU ? tensor : tensor.to(device);
    }

    /// <summary>One image → a 1×C×H×W tensor.</summary>
    public static Tensor ToTensor(PlanarImage image, Device device) => ToBatch(new[] { image }, device);

    /// <summary>Sample <paramref name="index"/> of an N×C×H×W tensor (1 or 3 channels) → image.</summary>
    public static PlanarImage ToImage(Tensor batch, int index = 0)
    {
        if (batch.dim() != 4) throw new ArgumentException($"expected an N×C×H×W tensor, got {batch.dim()} dimensions", nameof(batch));
        using var scope = torch.NewDisposeScope();
        var sample = batch[index].detach().to(ScalarType.Float32).cpu().contiguous();
        var data = sample.data<float>().ToArray();
        return new PlanarImage((int)sample.shape[0], (int)sample.shape[1], (int)sample.shape[2], data);
    }

    /// <summary>(inputs, targets) tensors from a list of training pairs.</summary>
    public static (Tensor Input, Tensor Target) ToBatch(IReadOnlyList<TrainingPair> pairs, Device device) =>
        (ToBatch(pairs.Select(p => p.Input).ToArray(), device), ToBatch(pairs.Select(p => p.Target).ToArray(), device));
}
