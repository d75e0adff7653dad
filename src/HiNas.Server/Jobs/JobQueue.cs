using System.Threading.Channels;
using HiNas.Server.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HiNas.Server.Jobs;

/// <summary>
/// The job queue: jobs run one at a time (one device) on a background worker, in the order they were started. Jobs
/// left queued or running by an earlier server are queued again on start and resume where they stopped. Stopping the
/// server stops the running job's worker but leaves the job running on disk.
/// </summary>
public sealed class JobQueue(JobStore store, JobStageMachine machine, JobRetention retention, IOptions<ServerOptions> options, ILogger<JobQueue> logger) : BackgroundService
{
    private readonly Channel<string> _queue = Channel.CreateUnbounded<string>();

    /// <summary>Queues a new job.</summary>
    public void Enqueue(JobRecord job)
    {
        machine.Queued(job);
        _queue.Writer.TryWrite(job.Id);
    }

    /// <summary>Cancels a queued job at once, or stops a running one.</summary>
    public JobStatus Cancel(JobRecord job) => machine.Cancel(job);

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        if (!options.Value.Jobs.Enabled)
        {
            logger.LogWarning("jobs disabled (HiNas:Jobs:Enabled = false): jobs are accepted but not run");
            return;
        }
        foreach (var job in store.All.Where(j => !j.Status.IsFinal))
        {
            logger.LogInformation("job {Job} was {State} when the server stopped: resuming it", job.Id, job.Status.State);
            _queue.Writer.TryWrite(job.Id);
        }
        await Task.Yield();
        try
        {
            await foreach (var id in _queue.Reader.ReadAllAsync(stopping))
            {
                if (store.Find(id) is not { } job || job.Status.IsFinal) continue;
                try
                {
                    await machine.RunAsync(job, stopping);
                    retention.Sweep();
                }
                catch (Exception e) when (e is not OperationCanceledException || !stopping.IsCancellationRequested)
                {
                    // never let one job stop the queue (or, through a faulted background service, the server)
                    logger.LogError(e, "job {Job}: the queue could not finish it; going on with the next job", id);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // server stopping
        }
    }
}
