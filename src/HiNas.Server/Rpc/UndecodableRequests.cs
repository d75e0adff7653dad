using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace HiNas.Server.Rpc;

/// <summary>
/// Reports request bytes that do not decode as the method's message: one warning line without a stack trace, at most
/// one a second (the lines held back are counted in the next one), so that garbage cannot flood the log.
/// </summary>
public sealed class UndecodableRequests(ILogger<UndecodableRequests> logger)
{
    private readonly object _gate = new();
    private long _lastLog = long.MinValue;
    private long _held;

    public void Report(string method, string message)
    {
        long held;
        lock (_gate)
        {
            var now = Stopwatch.GetTimestamp();
            if (_lastLog != long.MinValue && Stopwatch.GetElapsedTime(_lastLog, now) < TimeSpan.FromSeconds(1))
            {
                _held++;
                return;
            }
            (_lastLog, held, _held) = (now, _held, 0);
        }
        logger.LogWarning("{Method}: request bytes are not a {Message} message; answered INVALID_ARGUMENT ({Held} more since the last such line)", method, message, held);
    }
}
