using System.Collections.Concurrent;
using HiNas.Inference.Engine;
using HiNas.Inference.Packages;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace HiNas.Inference.Repository;

/// <summary>
/// The model packages in one folder (each a subfolder). Packages are validated when seen and opened on first
/// use; the folder is watched, and every listing or lookup also re-reads it, so packages published (atomically,
/// by rename) or removed while the process runs appear and disappear without a restart. A broken package is
/// reported in <see cref="Problems"/> and skipped; the others keep serving.
/// </summary>
public sealed class ModelRepository : IDisposable
{
    private readonly object _gate = new();
    // One refresh at a time, from reading the folder to publishing what it found: the watcher's thread and request
    // threads both refresh, and a refresh that read the folder first must not overwrite the result of a later one.
    private readonly object _refreshing = new();
    private readonly ILogger _logger;
    private readonly TileOptions _tiles;
    private readonly bool _preferCuda;
    private readonly bool _spinWait;
    private readonly GraphOptimization _optimization;
    private readonly int _threads;
    private readonly FileSystemWatcher? _watcher;

    /// <summary>The buffers every model of the repository takes its frames' tensors from.</summary>
    public TensorBufferPool Buffers { get; }
    private Dictionary<string, Entry> _byId = new(StringComparer.Ordinal);
    private Dictionary<string, string> _problems = new(StringComparer.Ordinal);
    private Dictionary<string, DateTime> _seen = new(StringComparer.Ordinal);

    private sealed class Entry(ModelPackage package, DateTime stamp)
    {
        public ModelPackage Package { get; } = package;
        public DateTime Stamp { get; } = stamp;
        public Lazy<RestorationModel>? Model { get; set; }
    }

    /// <param name="maxPooledBytes">The bound of the buffers kept between frames, shared by every model (<see cref="TensorBufferPool"/>).</param>
    /// <param name="optimization">Each model's ONNX Runtime graph optimisation (<see cref="RestorationModel.Open"/>).</param>
    /// <param name="threads">Each model's ONNX Runtime intra-op threads (<see cref="OrtThreads"/>; 0, one per processor).</param>
    public ModelRepository(string folder, TileOptions? tiles = null, bool preferCuda = true, ILogger? logger = null, bool watch = true, bool spinWait = true,
        long maxPooledBytes = TensorBufferPool.DefaultMaxIdleBytes, GraphOptimization optimization = GraphOptimization.Measured, int threads = 0)
    {
        Buffers = new TensorBufferPool(maxPooledBytes);
        Folder = Path.GetFullPath(folder);
        Directory.CreateDirectory(Folder);
        _tiles = tiles ?? new TileOptions();
        _tiles.Validate();
        _preferCuda = preferCuda;
        _spinWait = spinWait;
        _optimization = optimization;
        _threads = OrtThreads.Resolve(threads);
        _logger = logger ?? NullLogger.Instance;
        Refresh();
        if (watch)
        {
            _watcher = new FileSystemWatcher(Folder) { IncludeSubdirectories = true, EnableRaisingEvents = true };
            _watcher.Created += (_, _) => SafeRefresh();
            _watcher.Deleted += (_, _) => SafeRefresh();
            _watcher.Renamed += (_, _) => SafeRefresh();
            _watcher.Changed += (_, _) => SafeRefresh();
        }
    }

    public string Folder { get; }

    /// <summary>Folders that hold no servable package, with the reason.</summary>
    public IReadOnlyDictionary<string, string> Problems
    {
        get
        {
            Refresh();
            lock (_gate) return new Dictionary<string, string>(_problems);
        }
    }

    public IReadOnlyList<ModelManifest> List()
    {
        Refresh();
        lock (_gate) return _byId.Values.Select(e => e.Package.Manifest).OrderBy(m => m.Id, StringComparer.Ordinal).ToArray();
    }

    public bool TryGetManifest(string id, out ModelManifest manifest)
    {
        Refresh();
        lock (_gate)
        {
            if (_byId.TryGetValue(id, out var entry))
            {
                manifest = entry.Package.Manifest;
                return true;
            }
        }
        manifest = null!;
        return false;
    }

    /// <summary>The opened model (opened on first use). Throws <see cref="KeyNotFoundException"/> for an unknown id and
    /// <see cref="ModelPackageException"/> when the package's graph cannot be served (it is then listed as a problem).</summary>
    public RestorationModel Get(string id)
    {
        Refresh();
        Entry entry;
        lock (_gate)
        {
            if (!_byId.TryGetValue(id, out entry!))
            {
                var broken = _problems.FirstOrDefault(p => Path.GetFileName(p.Key) == id || TryReadId(p.Key) == id);
                throw new KeyNotFoundException(broken.Key is not null
                    ? $"model '{id}' is not servable: {broken.Value}"
                    : $"no model '{id}' in {Folder}");
            }
            entry.Model ??= new Lazy<RestorationModel>(() => RestorationModel.Open(entry.Package, _tiles, _preferCuda, _logger, _spinWait, Buffers, _optimization, _threads));
        }
        try
        {
            return entry.Model.Value;
        }
        catch (ModelPackageException e)
        {
            lock (_gate)
            {
                _byId.Remove(id);
                _problems[entry.Package.Folder] = e.Reason;
            }
            _logger.LogWarning("model {Id} refused: {Reason}{Detail}", id, e.Reason, e.InnerException is { } inner ? $" ({inner.Message.Split('\n')[0]})" : "");
            throw;
        }
    }

    /// <summary>Re-reads the folder; cheap when nothing changed.</summary>
    public void Refresh()
    {
        lock (_refreshing) RefreshNow();
    }

    private void RefreshNow()
    {
        string[] folders;
        try
        {
            folders = Directory.GetDirectories(Folder).Where(f => !ModelPackage.IsTemporary(Path.GetFileName(f))).Order(StringComparer.Ordinal).ToArray();
        }
        catch (DirectoryNotFoundException)
        {
            folders = Array.Empty<string>();
        }
        var stamps = folders.ToDictionary(f => f, Stamp, StringComparer.Ordinal);
        lock (_gate)
        {
            if (stamps.Count == _seen.Count && stamps.All(s => _seen.TryGetValue(s.Key, out var t) && t == s.Value)) return;
            var byId = new Dictionary<string, Entry>(StringComparer.Ordinal);
            var problems = new Dictionary<string, string>(StringComparer.Ordinal);
            var previous = _byId.Values.ToDictionary(e => e.Package.Folder, StringComparer.Ordinal);
            foreach (var folder in folders)
            {
                if (previous.TryGetValue(folder, out var kept) && kept.Stamp == stamps[folder])
                {
                    byId[kept.Package.Id] = kept;
                    continue;
                }
                if (_problems.TryGetValue(folder, out var known) && _seen.TryGetValue(folder, out var seenStamp) && seenStamp == stamps[folder])
                {
                    problems[folder] = known;
                    continue;
                }
                try
                {
                    var package = ModelPackage.Load(folder);
                    if (byId.ContainsKey(package.Id)) throw new ModelPackageException(folder, $"id '{package.Id}' is already served from another folder");
                    byId[package.Id] = new Entry(package, stamps[folder]);
                    _logger.LogInformation("model {Id} available from {Folder}", package.Id, folder);
                }
                catch (ModelPackageException e)
                {
                    problems[folder] = e.Reason;
                    _logger.LogWarning("skipping {Folder}: {Reason}", folder, e.Reason);
                }
            }
            foreach (var gone in previous.Values.Where(e => !byId.TryGetValue(e.Package.Id, out var now) || !ReferenceEquals(now, e)))
            {
                if (gone.Model is { IsValueCreated: true }) gone.Model.Value.Dispose();
                _logger.LogInformation("model {Id} removed or replaced", gone.Package.Id);
            }
            _byId = byId;
            _problems = problems;
            _seen = stamps;
        }
    }

    private void SafeRefresh()
    {
        try
        {
            Refresh();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _logger.LogDebug("repository refresh deferred: {Message}", e.Message);
        }
    }

    /// <summary>The id a (possibly broken) package's manifest declares, when it can be read at all.</summary>
    private static string? TryReadId(string folder)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, ModelPackage.ManifestFile)));
            return document.RootElement.TryGetProperty("id", out var id) ? id.GetString() : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The newest write time among the folder and its two files: a re-published package changes it.</summary>
    private static DateTime Stamp(string folder)
    {
        var times = new[] { Directory.GetLastWriteTimeUtc(folder), File.GetLastWriteTimeUtc(Path.Combine(folder, ModelPackage.ManifestFile)), File.GetLastWriteTimeUtc(Path.Combine(folder, ModelPackage.ModelFile)) };
        return times.Max();
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        lock (_gate)
        {
            foreach (var entry in _byId.Values)
                if (entry.Model is { IsValueCreated: true }) entry.Model.Value.Dispose();
            _byId.Clear();
        }
        Buffers.Dispose();
    }
}
