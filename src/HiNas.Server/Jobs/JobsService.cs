using Grpc.Core;
using HiNas.Imaging.Tasks;
using HiNas.Inference.Packages;
using HiNas.Inference.Repository;
using HiNas.Protocol.V1;
using HiNas.Server.Hosting;
using HiNas.Server.Rpc;
using ProtoJobs = HiNas.Protocol.V1.Jobs;
using HiNas.Nas.Runs;
using HiNas.Nas.Settings;

namespace HiNas.Server.Jobs;

/// <summary>The Jobs service: validates requests into resolved options, creates the job on disk, and hands it to the <see cref="JobQueue"/>.</summary>
public sealed class JobsService(JobStore store, JobQueue queue, JobRequests requests, ModelRepository repository, JobOptions jobOptions) : ProtoJobs.JobsBase
{
    private static readonly object CreateGate = new();

    public override Task<Job> StartSearch(StartSearchRequest request, ServerCallContext context)
    {
        var task = JobRequests.ResolveTask(request.Task);
        var id = JobStore.NewId();
        var options = requests.ResolveSearch(task, request.Search, "search", store.FolderOf(id), out var budget);
        JobRecord job;
        lock (CreateGate)
        {
            RefuseWhenTheQueueIsFull();
            job = store.Create(id, JobKind.Search, task.Slug, null, request,
                folder => SearchOptionsJson.Save(options, Path.Combine(folder, JobFiles.SearchOptionsFile)), budget);
        }
        queue.Enqueue(job);
        return Task.FromResult(job.ToMessage());
    }

    public override Task<Job> StartTraining(StartTrainingRequest request, ServerCallContext context)
    {
        var task = JobRequests.ResolveTask(request.Task);
        var id = JobStore.NewId();
        var int8 = JobRequests.ResolveExport(request.Export);
        JobBudget? budget = null;
        // a budget for what is published: in int8 when the package is
        var searchFirst = request.ArchitectureCase == StartTrainingRequest.ArchitectureOneofCase.SearchFirst
            ? requests.ResolveSearch(task, request.SearchFirst, "search_first", store.FolderOf(id), out budget, int8 is null ? ModelPrecision.Float32 : ModelPrecision.Int8)
            : null;
        var architecture = requests.ResolveArchitecture(task, request, searchFirst);
        var train = requests.ResolveTrain(task, architecture, request.Train, "train", afterBudgetedSearch: JobRequests.AfterBudgetedSearch(request));
        var modelId = request.ModelId.Length > 0 ? request.ModelId : $"job-{id}";
        if (!ModelId.IsValid(modelId)) throw RpcErrors.Invalid("model_id", $"'{modelId}' is not a model id ({ModelId.Rule})");
        JobRecord job;
        lock (CreateGate)
        {
            if (repository.TryGetManifest(modelId, out _) || Directory.Exists(Path.Combine(repository.Folder, modelId)))
                throw RpcErrors.AlreadyExists("model_id", $"a model '{modelId}' is already in the repository");
            RefuseWhenTheQueueIsFull();
            if (store.All.FirstOrDefault(j => !j.Status.IsFinal && j.Status.ModelId == modelId) is { } other)
                throw RpcErrors.AlreadyExists("model_id", $"job {other.Id} will publish '{modelId}' already");
            job = store.Create(id, searchFirst is null ? JobKind.Train : JobKind.SearchThenTrain, task.Slug, modelId, request, folder =>
            {
                if (searchFirst is not null) SearchOptionsJson.Save(searchFirst, Path.Combine(folder, JobFiles.SearchOptionsFile));
                else TrainOptionsJson.Save(train, Path.Combine(folder, JobFiles.TrainOptionsFile));
            }, budget, int8);
        }
        queue.Enqueue(job);
        return Task.FromResult(job.ToMessage());
    }

    public override async Task WatchJob(WatchJobRequest request, IServerStreamWriter<JobEvent> responseStream, ServerCallContext context)
    {
        var job = Find(request.JobId);
        if (request.FromIndex < 0) throw RpcErrors.Invalid("from_index", $"must be ≥ 0, got {request.FromIndex}");
        var next = request.FromIndex;
        while (true)
        {
            // a page at a time: a watcher of a long log never copies all of it at once
            var (events, final, changed) = job.Read(next, WatchPageSize);
            foreach (var e in events) await responseStream.WriteAsync(e, context.CancellationToken);
            if (events.Count > 0)
            {
                next = events[^1].Index + 1;
                continue;
            }
            if (final) return;
            await changed.WaitAsync(context.CancellationToken);
        }
    }

    public override Task<Job> GetJob(GetJobRequest request, ServerCallContext context) => Task.FromResult(Find(request.JobId).ToMessage());

    /// <summary>Events a WatchJob replay takes from the log at a time.</summary>
    public const int WatchPageSize = 256;

    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 1000;

    public override Task<ListJobsResponse> ListJobs(ListJobsRequest request, ServerCallContext context)
    {
        if (request.PageSize > MaxPageSize) throw RpcErrors.Invalid("page_size", $"{request.PageSize} is above {MaxPageSize}");
        var size = request.PageSize == 0 ? DefaultPageSize : (int)request.PageSize;
        var after = request.PageToken;
        if (after.Length > 0 && !JobStore.IsId(after)) throw RpcErrors.Invalid("page_token", "is not a token from an earlier page");
        // creation order (ids sort by the second they were made in; the time breaks ties within a second)
        var all = store.All.OrderBy(j => j.Status.Created).ThenBy(j => j.Id, StringComparer.Ordinal).ToList();
        var start = after.Length == 0 ? 0 : all.FindIndex(j => j.Id == after) + 1;
        if (start == 0 && after.Length > 0) throw RpcErrors.Invalid("page_token", $"no job '{after}' (it may have been removed); list from the first page");
        var ordered = all.Skip(start).Take(size + 1).ToList();
        var response = new ListJobsResponse();
        response.Jobs.AddRange(ordered.Take(size).Select(j => j.ToMessage()));
        if (ordered.Count > size) response.NextPageToken = ordered[size - 1].Id;
        return Task.FromResult(response);
    }

    public override Task<Job> CancelJob(CancelJobRequest request, ServerCallContext context)
    {
        var job = Find(request.JobId);
        var before = job.Status;
        if (before.IsFinal) throw RpcErrors.Precondition("job_id", $"job {job.Id} has already finished ({before.State})");
        queue.Cancel(job);
        return Task.FromResult(job.ToMessage());
    }

    /// <summary>RESOURCE_EXHAUSTED when HiNas:Jobs:MaxQueued jobs wait already.</summary>
    private void RefuseWhenTheQueueIsFull()
    {
        var max = jobOptions.MaxQueued;
        if (store.All.Count(j => j.Status.State == Protocol.V1.JobState.Queued) >= max)
            throw RpcErrors.TooLarge("jobs", $"the queue holds at most {max} waiting jobs (HiNas:Jobs:MaxQueued); wait for one to start or cancel one");
    }

    private JobRecord Find(string id)
    {
        if (string.IsNullOrEmpty(id)) throw RpcErrors.Invalid("job_id", "is empty");
        return store.Find(id) ?? throw RpcErrors.NotFound("job_id", $"no job '{id}'");
    }
}
