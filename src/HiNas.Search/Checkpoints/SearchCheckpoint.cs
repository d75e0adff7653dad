using HiNas.Search.Runs;
using HiNas.Search.Supernets;
using TorchSharp;

namespace HiNas.Search.Checkpoints;

/// <summary>
/// A search checkpoint: RUN_DIR/checkpoints/epoch-NNNN/ with the supernet (weights, α, β, BN statistics),
/// both optimisers' states and state.json (epochs done, sampler random state, elapsed time). Written to a
/// temporary folder and renamed, then recorded in checkpoints/latest.json, so a crash never leaves a
/// half-written checkpoint as the latest. The two newest are kept.
/// </summary>
public static class SearchCheckpoint
{
    private const string SupernetFile = "supernet.bin";
    private const string WeightOptimizerFile = "weight_optimizer.bin";
    private const string ArchitectOptimizerFile = "architect_optimizer.bin";
    private const string StateFile = "state.json";
    private const int Keep = 2;

    public sealed record State
    {
        public int EpochsDone { get; init; }
        public ulong[] Random { get; init; } = Array.Empty<ulong>();
        public double ElapsedSeconds { get; init; }
    }

    private sealed record Latest(string Folder, int EpochsDone);

    public static string Folder(string runDir) => Path.Combine(runDir, "checkpoints");

    public static void Save(string runDir, Supernet network, torch.optim.Optimizer weights, torch.optim.Optimizer architect, State state)
    {
        var root = Folder(runDir);
        Directory.CreateDirectory(root);
        var name = $"epoch-{state.EpochsDone:D4}";
        var target = Path.Combine(root, name);
        var temp = Path.Combine(root, $".{name}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(temp);
        network.save(Path.Combine(temp, SupernetFile));
        ((TorchSharp.Modules.OptimizerHelper)weights).save_state_dict(Path.Combine(temp, WeightOptimizerFile));
        ((TorchSharp.Modules.OptimizerHelper)architect).save_state_dict(Path.Combine(temp, ArchitectOptimizerFile));
        RunFiles.WriteJsonAtomic(Path.Combine(temp, StateFile), state);
        if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
        Directory.Move(temp, target);
        RunFiles.WriteJsonAtomic(Path.Combine(root, "latest.json"), new Latest(name, state.EpochsDone));

        foreach (var old in Directory.GetDirectories(root, "epoch-*").Order(StringComparer.Ordinal).SkipLast(Keep))
            Directory.Delete(old, recursive: true);
    }

    /// <summary>The newest complete checkpoint's folder, or null when the run has none.</summary>
    public static string? FindLatest(string runDir)
    {
        var pointer = Path.Combine(Folder(runDir), "latest.json");
        if (!File.Exists(pointer)) return null;
        var latest = RunFiles.ReadJson<Latest>(pointer);
        var folder = Path.Combine(Folder(runDir), latest.Folder);
        return Directory.Exists(folder) ? folder : throw new InvalidDataException($"checkpoint '{folder}' named by latest.json is missing");
    }

    public static State Load(string folder, Supernet network, torch.optim.Optimizer weights, torch.optim.Optimizer architect)
    {
        foreach (var file in new[] { SupernetFile, WeightOptimizerFile, ArchitectOptimizerFile, StateFile })
            if (!File.Exists(Path.Combine(folder, file))) throw new InvalidDataException($"checkpoint '{folder}' lacks {file}");
        network.load(Path.Combine(folder, SupernetFile));
        ((TorchSharp.Modules.OptimizerHelper)weights).load_state_dict(Path.Combine(folder, WeightOptimizerFile));
        ((TorchSharp.Modules.OptimizerHelper)architect).load_state_dict(Path.Combine(folder, ArchitectOptimizerFile));
        return RunFiles.ReadJson<State>(Path.Combine(folder, StateFile));
    }
}
