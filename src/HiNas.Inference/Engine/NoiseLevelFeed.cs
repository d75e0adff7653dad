using Microsoft.ML.OnnxRuntime;
using OrtTensors = Microsoft.ML.OnnxRuntime.Tensors;

namespace HiNas.Inference.Engine;

/// <summary>
/// What a graph told the noise reads beside the image (<see cref="Imaging.Tasks.NoiseLevelMap"/>): one float32 value,
/// σ/255, of shape [1, 1, 1, 1] — the one place that shape is written for ONNX Runtime.
/// </summary>
public static class NoiseLevelFeed
{
    /// <summary>The input's dimensions.</summary>
    public static readonly int[] Shape = { 1, 1, 1, 1 };

    /// <summary>The level as a dense tensor.</summary>
    public static OrtTensors.DenseTensor<float> Tensor(float level) => new(new[] { level }, Shape);

    /// <summary>The level as a named feed of <see cref="InferenceSession.Run(IReadOnlyCollection{NamedOnnxValue})"/>.</summary>
    public static NamedOnnxValue Named(string name, float level) => NamedOnnxValue.CreateFromTensor(name, Tensor(level));

    /// <summary>The level as an OrtValue over its own memory.</summary>
    public static OrtValue Value(float level) => OrtValue.CreateTensorValueFromMemory(new[] { level }, Array.ConvertAll(Shape, d => (long)d));
}
