using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Google.Protobuf;
using HiNas.Protocol.V1;
using HiNas.Server.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using HiNas.Nas.Runs;
using HiNas.Nas.Settings;
using HiNas.Imaging.IO;

namespace HiNas.Server.Jobs;

/// <summary>
/// Jobs on disk, one folder each under STATE/jobs: job.json (the <see cref="JobStatus"/>, replaced atomically),
/// request.json (the start request), events.jsonl (the event log, appended and flushed line by line), the run
/// folders of its stages (search/, train/ with their checkpoints) and worker.log. Loaded whole on start.
/// </summary>
public sealed class JobStore
{
    public const string StatusFile = "job.json";
    public const string RequestFile = "request.json";
    public const string EventsFile = "events.jsonl";
    public const string WorkerLogFile = "worker.log";

    private static readonly JsonSerializerOptions Json = new(JsonLines.Options) { WriteIndented = true, Converters = { new JsonStringEnumConverter() } };
    private static readonly JsonSerializerOptions LineJson = new(JsonLines.Options) { Converters = { new JsonStringEnumConverter() } };
    private static readonly JsonFormatter ProtoFormatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(false));
    private static readonly JsonParser ProtoParser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    private readonly Dictionary<string, JobRecord> _jobs = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private readonly ILogger<JobStore> _logger;

    public JobStore(IOptions<ServerOptions> options, ILogger<JobStore> logger)
    {
        _logger = logger;
        Folder = Path.Combine(options.Value.ResolvedStateFolder, "jobs");
        Directory.CreateDirectory(Folder);
        foreach (var leftover in Directory.GetDirectories(Folder, RemovedPrefix + "*")) TryDelete(leftover);
        foreach (var folder in Directory.GetDirectories(Folder).Where(f => !Path.GetFileName(f).StartsWith('.')))
        {
            try
            {
                var record = Load(folder);
                _jobs[record.Id] = record;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or JsonException or InvalidProtocolBufferException or UnauthorizedAccessException)
            {
                _logger.LogWarning("skipping job folder {Folder}: {Reason}", folder, e.Message);
            }
        }
    }

    public string Folder { get; }

    public IReadOnlyList<JobRecord> All
    {
        get
        {
            lock (_gate) return _jobs.Values.OrderBy(j => j.Status.Created).ThenBy(j => j.Id, StringComparer.Ordinal).ToArray();
        }
    }

    public JobRecord? Find(string id)
    {
        lock (_gate) return _jobs.GetValueOrDefault(id);
    }

    /// <summary>A fresh job id: the UTC time and 6 random hex digits, e.g. 20261128-120501-3fa9c2.</summary>
    public static string NewId() => $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";

    /// <summary>Whether <paramref name="text"/> has the form of a job id (<see cref="NewId"/>).</summary>
    public static bool IsId(string text) => System.Text.RegularExpressions.Regex.IsMatch(text, "^[0-9]{8}-[0-9]{6}-[0-9a-f]{6}$");

    /// <summary>
    /// Creates the job's folder with its request, status and whatever <paramref name="writeFiles"/> puts there, in a
    /// temporary folder renamed into place: a job exists whole or not at all.
    /// </summary>
    public JobRecord Create(string id, JobKind kind, string task, string? modelId, IMessage request, Action<string>? writeFiles = null,
        JobBudget? budget = null, Int8Settings? int8 = null)
    {
        var status = new JobStatus
        {
            Id = id, Kind = kind, Task = task, ModelId = modelId, LatencyResolution = budget?.Resolution, BudgetMs = budget?.BudgetMs,
            LatencyPrecision = budget?.Precision, Int8 = int8,
        };
        var temp = Path.Combine(Folder, $".{id}.tmp");
        Directory.CreateDirectory(temp);
        File.WriteAllText(Path.Combine(temp, RequestFile), ProtoFormatter.Format(request));
        writeFiles?.Invoke(temp);
        File.WriteAllText(Path.Combine(temp, StatusFile), JsonSerializer.Serialize(status, Json));
        var folder = Path.Combine(Folder, id);
        DurableFiles.FlushTree(temp);
        Directory.Move(temp, folder);
        DurableFiles.FlushFolder(Folder);
        var record = new JobRecord(status, folder);
        lock (_gate) _jobs[id] = record;
        return record;
    }

    private const string RemovedPrefix = ".removed-";

    /// <summary>
    /// Removes finished jobs beyond the retention (older than <paramref name="retainDays"/> days since they finished, or
    /// beyond the newest <paramref name="retainJobs"/> finished ones; 0 turns either off), with their folders. A queued or
    /// running job is never removed. A folder is first renamed out of the store (so a crash mid-delete leaves no half
    /// job: the next start deletes it). Returns the ids removed.
    /// </summary>
    public IReadOnlyList<string> RemoveExpired(int retainDays, int retainJobs, DateTimeOffset now)
    {
        List<JobRecord> expired;
        lock (_gate)
        {
            var finished = _jobs.Values.Where(j => j.Status.IsFinal)
                .OrderByDescending(j => j.Status.Finished ?? j.Status.Created).ThenByDescending(j => j.Id, StringComparer.Ordinal).ToList();
            expired = finished.Where((j, rank) =>
                (retainDays > 0 && now - (j.Status.Finished ?? j.Status.Created) > TimeSpan.FromDays(retainDays)) ||
                (retainJobs > 0 && rank >= retainJobs)).ToList();
            foreach (var job in expired) _jobs.Remove(job.Id);
        }
        foreach (var job in expired)
        {
            var removed = Path.Combine(Folder, RemovedPrefix + job.Id);
            try
            {
                Directory.Move(job.Folder, removed);
                TryDelete(removed);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _logger.LogWarning("job {Job}: its folder could not be removed ({Reason}); it is no longer listed", job.Id, e.Message);
            }
        }
        if (expired.Count > 0) _logger.LogInformation("removed {Count} finished job(s) beyond the retention: {Jobs}", expired.Count, string.Join(", ", expired.Select(j => j.Id)));
        return expired.Select(j => j.Id).ToList();
    }

    private void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning("could not delete {Folder}: {Reason}", folder, e.Message);
        }
    }

    /// <summary>Where the job <paramref name="id"/> lives (once created).</summary>
    public string FolderOf(string id) => Path.Combine(Folder, id);

    public static T ReadRequest<T>(JobRecord job) where T : IMessage, new() =>
        ProtoParser.Parse<T>(File.ReadAllText(Path.Combine(job.Folder, RequestFile)));

    /// <summary>
    /// Persists and then applies a change of the job's status: a failed write (a full or broken disk) throws and leaves
    /// the status as it was, on disk and in memory.
    /// </summary>
    public JobStatus Update(JobRecord job, Func<JobStatus, JobStatus> change) =>
        job.Update(change, status => RunFiles.WriteAllTextAtomic(Path.Combine(job.Folder, StatusFile), JsonSerializer.Serialize(status, Json)));

    /// <summary>
    /// Persists and then adds an event; <paramref name="stage"/> and <paramref name="sourceLine"/> say which run event it
    /// came from. A failed write throws and adds nothing. A full log is compacted (<see cref="JobRecord.Compact"/>) and
    /// its file replaced atomically.
    /// </summary>
    public JobEvent Append(JobRecord job, Action<JobEvent> fill, string? stage = null, long? sourceLine = null)
    {
        var path = Path.Combine(job.Folder, EventsFile);
        lock (job)
            return job.Append(fill, stage, sourceLine,
                e => File.AppendAllText(path, Line(e)),
                kept => RunFiles.WriteAllTextAtomic(path, string.Concat(kept.Select(Line))));
    }

    private static string Line(LoggedEvent e) =>
        JsonSerializer.Serialize(new LogEntry { Stage = e.Stage, SourceLine = e.SourceLine, Event = ProtoFormatter.Format(e.Event) }, LineJson) + "\n";

    /// <summary>
    /// The end of a job, kept even when the disk refuses it: persisted when it can be; otherwise held in memory (watchers
    /// get the result, the next job runs) and logged — on disk the job stays unfinished and resumes on the next start.
    /// </summary>
    public JobStatus Finish(JobRecord job, Func<JobStatus, JobStatus> change, Action<JobEvent> result)
    {
        JobStatus status;
        try
        {
            status = Update(job, change);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _logger.LogError("job {Job}: its final state could not be written ({Reason}); it is kept in memory only", job.Id, e.Message);
            status = job.Update(change, _ => { });
        }
        try
        {
            Append(job, result);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _logger.LogError("job {Job}: its result event could not be written ({Reason}); it is kept in memory only", job.Id, e.Message);
            lock (job) job.Append(result, null, null, _ => { });
        }
        return status;
    }

    /// <summary>How many lines of a stage's run events the job log already holds (compaction keeps the newest).</summary>
    public static long ConsumedLines(JobRecord job, string stage) =>
        job.Events.Where(e => e.Stage == stage && e.SourceLine is not null).Select(e => e.SourceLine!.Value + 1).DefaultIfEmpty(0).Max();

    private static JobRecord Load(string folder)
    {
        var status = JsonSerializer.Deserialize<JobStatus>(File.ReadAllText(Path.Combine(folder, StatusFile)), Json)
            ?? throw new InvalidDataException($"{StatusFile} is empty");
        var eventsPath = Path.Combine(folder, EventsFile);
        var events = new List<LoggedEvent>();
        if (File.Exists(eventsPath))
            foreach (var entry in ReadLog(eventsPath))
            {
                var e = ProtoParser.Parse<JobEvent>(entry.Event!);
                // indices stay as given; a log from before they were kept (or out of order) is numbered on
                if (events.Count > 0 && e.Index <= events[^1].Index) e.Index = events[^1].Index + 1;
                events.Add(new LoggedEvent(e, entry.Stage, entry.SourceLine));
                if (events.Count > 2 * JobRecord.MaxEvents) JobRecord.Compact(events);
            }
        var lines = File.Exists(eventsPath) ? File.ReadLines(eventsPath).Count(l => l.Length > 0) : 0;
        var record = new JobRecord(status, folder, events);
        if (record.Events.Count < lines) // compacted: the file keeps what memory keeps
            RunFiles.WriteAllTextAtomic(eventsPath, string.Concat(record.Events.Select(Line)));
        return record;
    }

    private static IEnumerable<LogEntry> ReadLog(string path)
    {
        foreach (var line in File.ReadLines(path))
        {
            if (line.Length == 0) continue;
            LogEntry? entry;
            try
            {
                entry = JsonSerializer.Deserialize<LogEntry>(line, LineJson);
            }
            catch (JsonException)
            {
                continue; // a line cut short by a crash: the events before it stand
            }
            if (entry?.Event is not null) yield return entry;
        }
    }

    private sealed class LogEntry
    {
        public string? Stage { get; set; }
        public long? SourceLine { get; set; }
        public string? Event { get; set; }
    }
}
