using HiNas.Server.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace HiNas.Server.Jobs;

/// <summary>
/// Removes finished jobs beyond HiNas:Jobs:RetainDays / RetainJobs (<see cref="JobStore.RemoveExpired"/>): at start,
/// after every job that ends, and every hour.
/// </summary>
public sealed class JobRetention(JobStore store, IOptions<ServerOptions> options) : BackgroundService
{
    public static readonly TimeSpan Period = TimeSpan.FromHours(1);

    public IReadOnlyList<string> Sweep() => store.RemoveExpired(options.Value.Jobs.RetainDays, options.Value.Jobs.RetainJobs, DateTimeOffset.UtcNow);

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(Period);
        try
        {
            do Sweep();
            while (await timer.WaitForNextTickAsync(stopping));
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // server stopping
        }
    }
}
