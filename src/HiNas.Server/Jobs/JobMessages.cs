using Google.Protobuf.WellKnownTypes;
using HiNas.Protocol.V1;

namespace HiNas.Server.Jobs;

public static class JobMessages
{
    public static Job ToMessage(this JobRecord record)
    {
        var s = record.Status;
        var job = new Job
        {
            Id = s.Id, Kind = s.Kind, State = s.State, Stage = s.Stage, Created = Timestamp.FromDateTimeOffset(s.Created),
            Error = s.Error ?? "", Task = s.Task, Progress = s.Progress, GenotypeJson = s.GenotypeJson ?? "",
            ModelId = s.ModelId ?? "", Events = record.NextIndex,
        };
        if (s.Started is { } started) job.Started = Timestamp.FromDateTimeOffset(started);
        if (s.Finished is { } finished) job.Finished = Timestamp.FromDateTimeOffset(finished);
        if (s.BestValidationPsnr is { } psnr) job.BestValidationPsnr = psnr;
        return job;
    }
}
