using System.Text.Json;
using HiNas.Protocol.V1;
using HiNas.Nas.Runs;
using HiNas.Nas.Settings;

namespace HiNas.Server.Jobs;

/// <summary>A search or training run's event line (events.jsonl) as job progress.</summary>
public static class StageEvents
{
    public static JobProgress ToProgress(string stage, string line)
    {
        if (stage == JobStages.Search)
        {
            var e = JsonSerializer.Deserialize<SearchEvent>(line, JsonLines.Options) ?? throw new JsonException("empty event");
            var p = new JobProgress
            {
                State = Protocol.V1.JobState.Running, Stage = stage, Kind = e.Kind, Step = e.CompletedSteps, TotalSteps = e.TotalSteps,
                LearningRate = e.LearningRate, ElapsedSeconds = e.ElapsedSeconds, EtaSeconds = e.EtaSeconds,
                Message = $"epoch {e.Epoch}/{e.Epochs} step {e.Step}/{e.StepsPerEpoch} ({e.Phase})",
            };
            if (e.WeightLoss is { } w) p.Loss = w;
            if (e.ArchitectLoss is { } a) p.ArchitectLoss = a;
            if (e.ValidationPsnr is { } v) p.ValidationPsnr = v;
            return p;
        }
        var t = JsonSerializer.Deserialize<TrainEvent>(line, JsonLines.Options) ?? throw new JsonException("empty event");
        var progress = new JobProgress
        {
            State = Protocol.V1.JobState.Running, Stage = stage, Kind = t.Kind, Step = t.Iteration, TotalSteps = t.Iterations,
            LearningRate = t.LearningRate, ElapsedSeconds = t.ElapsedSeconds, EtaSeconds = t.EtaSeconds,
            Message = $"iteration {t.Iteration}/{t.Iterations}",
        };
        if (t.Loss is { } loss) progress.Loss = loss;
        if (t.ValidationPsnr is { } psnr) progress.ValidationPsnr = psnr;
        return progress;
    }
}
