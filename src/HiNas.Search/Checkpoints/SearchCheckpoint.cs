using HiNas.Search.Supernets;
using TorchSharp;
using HiNas.Nas.Runs;
using HiNas.Nas.Settings;

namespace HiNas.Search.Checkpoints;

/// <summary>
/// A search checkpoint, RUN_DIR/checkpoints/epoch-NNNN/: the supernet (weights, α, β, BN statistics), both
/// optimisers' states and state.json (epochs done, sampler random state, elapsed time).
/// </summary>
public static class SearchCheckpoint
{
    private const string SupernetFile = "supernet.bin";
    private const string WeightOptimizerFile = "weight_optimizer.bin";
    private const string ArchitectOptimizerFile = "architect_optimizer.bin";
    private const string StateFile = "state.json";

    public sealed record State
    {
        public int EpochsDone { get; init; }
        public ulong[] Random { get; init; } = Array.Empty<ulong>();
        public double ElapsedSeconds { get; init; }

        /// <summary>Budgeted searches that measure: the architect's <see cref="Architecture.Architect.LatencyCalibration"/>.</summary>
        public double LatencyCalibration { get; init; } = 1.0;

        /// <summary>
        /// The best validation PSNR in the selection window so far, its epoch (from 1) and its genotype (JSON); null before
        /// the window. The genotype travels in the checkpoint so that genotype-best.json, written beside it, can never
        /// disagree with the state a resumed search continues from.
        /// </summary>
        public double? BestValidationPsnr { get; init; }
        public int? BestEpoch { get; init; }
        public string? BestGenotype { get; init; }
    }

    public static string Folder(string runDir) => Path.Combine(runDir, "checkpoints");

    public static void Save(string runDir, Supernet network, torch.optim.Optimizer weights, torch.optim.Optimizer architect, State state) =>
        CheckpointFolder.Save(Folder(runDir), $"epoch-{state.EpochsDone:D4}", state.EpochsDone, folder =>
        {
            network.save(Path.Combine(folder, SupernetFile));
            ((TorchSharp.Modules.OptimizerHelper)weights).save_state_dict(Path.Combine(folder, WeightOptimizerFile));
            ((TorchSharp.Modules.OptimizerHelper)architect).save_state_dict(Path.Combine(folder, ArchitectOptimizerFile));
            RunFiles.WriteJsonAtomic(Path.Combine(folder, StateFile), state);
        });

    /// <summary>The newest complete checkpoint's folder, or null when the run has none.</summary>
    public static string? FindLatest(string runDir) => CheckpointFolder.FindLatest(Folder(runDir));

    public static State Load(string folder, Supernet network, torch.optim.Optimizer weights, torch.optim.Optimizer architect)
    {
        CheckpointFolder.RequireFiles(folder, SupernetFile, WeightOptimizerFile, ArchitectOptimizerFile, StateFile);
        network.load(Path.Combine(folder, SupernetFile));
        ((TorchSharp.Modules.OptimizerHelper)weights).load_state_dict(Path.Combine(folder, WeightOptimizerFile));
        ((TorchSharp.Modules.OptimizerHelper)architect).load_state_dict(Path.Combine(folder, ArchitectOptimizerFile));
        return RunFiles.ReadJson<State>(Path.Combine(folder, StateFile));
    }
}
