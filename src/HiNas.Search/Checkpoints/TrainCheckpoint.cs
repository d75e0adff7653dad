using TorchSharp;
using static TorchSharp.torch;
using HiNas.Nas.Runs;

namespace HiNas.Search.Checkpoints;

/// <summary>A training checkpoint, TRAIN_DIR/checkpoints/iter-NNNNNNNN/: network, optimiser state and state.json.</summary>
public static class TrainCheckpoint
{
    private const string ModelFile = "model.bin";
    private const string OptimizerFile = "optimizer.bin";
    private const string StateFile = "state.json";

    public sealed record State
    {
        public int IterationsDone { get; init; }
        public ulong[] Random { get; init; } = Array.Empty<ulong>();
        public double BestPsnr { get; init; } = double.NegativeInfinity;
        public int BestIteration { get; init; }
        public double ElapsedSeconds { get; init; }
    }

    public static string Folder(string trainDir) => Path.Combine(trainDir, "checkpoints");

    public static void Save(string trainDir, nn.Module network, optim.Optimizer optimizer, State state) =>
        CheckpointFolder.Save(Folder(trainDir), $"iter-{state.IterationsDone:D8}", state.IterationsDone, folder =>
        {
            network.save(Path.Combine(folder, ModelFile));
            ((TorchSharp.Modules.OptimizerHelper)optimizer).save_state_dict(Path.Combine(folder, OptimizerFile));
            RunFiles.WriteJsonAtomic(Path.Combine(folder, StateFile), state);
        });

    public static string? FindLatest(string trainDir) => CheckpointFolder.FindLatest(Folder(trainDir));

    public static State Load(string folder, nn.Module network, optim.Optimizer optimizer)
    {
        CheckpointFolder.RequireFiles(folder, ModelFile, OptimizerFile, StateFile);
        network.load(Path.Combine(folder, ModelFile));
        ((TorchSharp.Modules.OptimizerHelper)optimizer).load_state_dict(Path.Combine(folder, OptimizerFile));
        return RunFiles.ReadJson<State>(Path.Combine(folder, StateFile));
    }
}
