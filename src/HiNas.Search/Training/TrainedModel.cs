using HiNas.Imaging.Tasks;
using HiNas.Search.Networks;
using HiNas.Search.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using HiNas.Nas.Settings;
using HiNas.Nas.Runs;

namespace HiNas.Search.Training;

/// <summary>The best network of a finished (or running) training run, rebuilt from its options and loaded.</summary>
public sealed class TrainedModel : IDisposable
{
    private TrainedModel(TrainOptions options, nn.Module<Tensor, Tensor> network, string weightsPath)
    {
        Options = options;
        Network = network;
        WeightsPath = weightsPath;
    }

    public TrainOptions Options { get; }
    public RestorationTask Task => Options.Task;
    public nn.Module<Tensor, Tensor> Network { get; }
    public string WeightsPath { get; }

    public NetworkCost Cost => NetworkCost.Of(Network, Task);

    /// <summary>Loads TRAIN_DIR's options and its best weights (best/model.bin) onto <paramref name="device"/> in eval mode.</summary>
    public static TrainedModel Load(string trainDir, Device? device = null)
    {
        var weights = BestWeightsOf(trainDir);
        var options = TrainOptionsJson.Load(Path.Combine(Path.GetFullPath(trainDir), TrainRun.OptionsFile));
        TorchRuntime.EnsureInitialized();
        var network = TorchRuntime.Seeded(options.Seed, () => options.BuildNetwork()); // its draws must not fall into another thread's seeded build
        try
        {
            LoadWeights(network, weights, $"the network in {TrainRun.OptionsFile}");
        }
        catch
        {
            network.Dispose();
            throw;
        }
        network.to(device ?? TorchRuntime.DefaultDevice);
        network.eval();
        return new TrainedModel(options, network, weights);
    }

    /// <summary>The best weights of the training run in <paramref name="trainDir"/>, checked to be there.</summary>
    public static string BestWeightsOf(string trainDir)
    {
        var full = Path.GetFullPath(trainDir);
        if (!File.Exists(Path.Combine(full, TrainRun.OptionsFile))) throw new FileNotFoundException($"'{trainDir}' is not a training run (no {TrainRun.OptionsFile})", Path.Combine(full, TrainRun.OptionsFile));
        var weights = Path.Combine(full, TrainRun.BestModelFile);
        if (!File.Exists(weights)) throw new FileNotFoundException($"'{trainDir}' has no trained weights yet ({TrainRun.BestModelFile})", weights);
        return weights;
    }

    /// <summary>Loads <paramref name="weights"/> into <paramref name="network"/>; a file that does not fit it is named with <paramref name="network"/>'s description.</summary>
    internal static void LoadWeights(nn.Module network, string weights, string what)
    {
        try
        {
            network.load(weights);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or EndOfStreamException)
        {
            throw new InvalidDataException($"'{weights}' does not fit {what}: {e.Message}", e);
        }
    }

    public void Dispose() => Network.Dispose();
}
