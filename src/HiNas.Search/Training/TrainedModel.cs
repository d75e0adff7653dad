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
        var full = Path.GetFullPath(trainDir);
        var optionsPath = Path.Combine(full, TrainRun.OptionsFile);
        if (!File.Exists(optionsPath)) throw new FileNotFoundException($"'{trainDir}' is not a training run (no {TrainRun.OptionsFile})", optionsPath);
        var weights = Path.Combine(full, TrainRun.BestModelFile);
        if (!File.Exists(weights)) throw new FileNotFoundException($"'{trainDir}' has no trained weights yet ({TrainRun.BestModelFile})", weights);
        var options = TrainOptionsJson.Load(optionsPath);
        TorchRuntime.EnsureInitialized();
        var network = TorchRuntime.Seeded(options.Seed, () => options.BuildNetwork()); // its draws must not fall into another thread's seeded build
        try
        {
            network.load(weights);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or EndOfStreamException)
        {
            network.Dispose();
            throw new InvalidDataException($"'{weights}' does not fit the network in {TrainRun.OptionsFile}: {e.Message}", e);
        }
        network.to(device ?? TorchRuntime.DefaultDevice);
        network.eval();
        return new TrainedModel(options, network, weights);
    }

    public void Dispose() => Network.Dispose();
}
