using System.Runtime.CompilerServices;
using Grpc.Core;
using Grpc.Net.Client;
using HiNas.Protocol.V1;

namespace HiNas.Client;

/// <summary>
/// Search and training jobs (ops scripts, the `hinas jobs` command). Every call carries the API key of
/// <see cref="HiNasClientOptions.ApiKey"/>; a missing or wrong key fails with UNAUTHENTICATED.
/// </summary>
public sealed class JobsClient : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly Jobs.JobsClient _client;

    /// <summary>A client for the server in <paramref name="options"/> (it owns its channel).</summary>
    public JobsClient(HiNasClientOptions options)
    {
        _channel = ChannelFactory.Create(options);
        _client = new Jobs.JobsClient(_channel);
    }

    /// <summary>Starts a HiNAS search job; returns it queued.</summary>
    public Task<Job> StartSearchAsync(StartSearchRequest request, CancellationToken cancellation = default) =>
        _client.StartSearchAsync(request, cancellationToken: cancellation).ResponseAsync;

    /// <summary>Starts a training job (from a genotype, a baseline, or search-then-train); returns it queued.</summary>
    public Task<Job> StartTrainingAsync(StartTrainingRequest request, CancellationToken cancellation = default) =>
        _client.StartTrainingAsync(request, cancellationToken: cancellation).ResponseAsync;

    /// <summary>The job's current state.</summary>
    public Task<Job> GetAsync(string jobId, CancellationToken cancellation = default) =>
        _client.GetJobAsync(new GetJobRequest { JobId = jobId }, cancellationToken: cancellation).ResponseAsync;

    /// <summary>Every job the server knows, oldest first.</summary>
    public async Task<IReadOnlyList<Job>> ListAsync(CancellationToken cancellation = default) =>
        await AllPagesAsync(cancellation).ConfigureAwait(false);

    private async Task<IReadOnlyList<Job>> AllPagesAsync(CancellationToken cancellation)
    {
        var jobs = new List<Job>();
        var request = new ListJobsRequest();
        while (true)
        {
            var page = await _client.ListJobsAsync(request, cancellationToken: cancellation).ConfigureAwait(false);
            jobs.AddRange(page.Jobs);
            if (page.NextPageToken.Length == 0) return jobs;
            request = new ListJobsRequest { PageToken = page.NextPageToken };
        }
    }

    /// <summary>Cancels a queued or running job (FAILED_PRECONDITION when it has already finished).</summary>
    public Task<Job> CancelAsync(string jobId, CancellationToken cancellation = default) =>
        _client.CancelJobAsync(new CancelJobRequest { JobId = jobId }, cancellationToken: cancellation).ResponseAsync;

    /// <summary>The job's events from <paramref name="fromIndex"/> (earlier ones are replayed), ending with its result.</summary>
    public async IAsyncEnumerable<JobEvent> WatchAsync(string jobId, long fromIndex = 0, [EnumeratorCancellation] CancellationToken cancellation = default)
    {
        using var call = _client.WatchJob(new WatchJobRequest { JobId = jobId, FromIndex = fromIndex }, cancellationToken: cancellation);
        while (await call.ResponseStream.MoveNext(cancellation).ConfigureAwait(false)) yield return call.ResponseStream.Current;
    }

    /// <summary>Closes the channel.</summary>
    public void Dispose() => _channel.Dispose();
}
