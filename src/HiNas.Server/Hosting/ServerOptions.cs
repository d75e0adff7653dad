using HiNas.Inference.Engine;

namespace HiNas.Server.Hosting;

/// <summary>The "HiNas" configuration section (appsettings.json, environment HiNas__Name, or --HiNas:Name=…).</summary>
public sealed class ServerOptions
{
    public const string Section = "HiNas";

    /// <summary>gRPC endpoint (HTTP/2 without TLS unless <see cref="CertificatePath"/> is set).</summary>
    public string GrpcUrl { get; set; } = "http://127.0.0.1:5080";

    /// <summary>HTTP/1.1 endpoint for gRPC-Web (unary and server-streaming calls), /metrics (Prometheus text) and /healthz; empty turns it off.</summary>
    public string HttpUrl { get; set; } = "http://127.0.0.1:5081";

    /// <summary>PFX certificate for TLS on the gRPC and HTTP/1.1 endpoints (then use https:// in <see cref="GrpcUrl"/> and <see cref="HttpUrl"/>).</summary>
    public string? CertificatePath { get; set; }

    public string? CertificatePassword { get; set; }

    /// <summary>
    /// Whether Restoration calls need a key (<see cref="RestorationKey"/> or the Jobs key): "auto" (default) requires one
    /// when an endpoint listens beyond loopback; "true", "false" decide explicitly.
    /// </summary>
    public string RequireRestorationKey { get; set; } = "auto";

    /// <summary>The Restoration key when one is required; else HINAS_RESTORATION_KEY, else generated into STATE/restoration-key.</summary>
    public string? RestorationKey { get; set; }

    /// <summary>
    /// Host names requests may carry (Host header; ';' between names, "*" for any). Default: the loopback names when
    /// every endpoint is on loopback (a web page cannot reach the server through DNS rebinding), else any.
    /// </summary>
    public string? AllowedHosts { get; set; }

    /// <summary>Whether an endpoint listens on an address other than loopback.</summary>
    public bool ListensBeyondLoopback => new[] { GrpcUrl, HttpUrl }.Where(u => !string.IsNullOrEmpty(u)).Any(u => !IsLoopback(new Uri(u!).Host));

    public bool RestorationKeyRequired => RequireRestorationKey switch
    {
        "true" => true,
        "false" => false,
        _ => ListensBeyondLoopback,
    };

    /// <summary>The Host names allowed (<see cref="AllowedHosts"/> resolved).</summary>
    public string[] ResolvedAllowedHosts => AllowedHosts is { Length: > 0 } hosts
        ? hosts.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        : ListensBeyondLoopback ? new[] { "*" } : new[] { "localhost", "127.0.0.1", "[::1]" };

    private static bool IsLoopback(string host) =>
        host is "localhost" || (System.Net.IPAddress.TryParse(host.Trim('[', ']'), out var ip) && System.Net.IPAddress.IsLoopback(ip));

    /// <summary>Jobs, the API key and (by default) the model repository live here. Default: ~/.local/share/hinas.</summary>
    public string? StateFolder { get; set; }

    /// <summary>The model repository; default STATE/models.</summary>
    public string? ModelsFolder { get; set; }

    /// <summary>Copy the embedded default models into the repository when their ids are missing.</summary>
    public bool SeedDefaultModels { get; set; } = true;

    /// <summary>Largest request message in bytes (a 1080p RGBA frame is 8.3 MB).</summary>
    public int MaxMessageBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>Largest frame or image, in pixels (width × height of the input).</summary>
    public long MaxFramePixels { get; set; } = 3840L * 2160;

    /// <summary>Frames a stream may hold unanswered when it asks for 0 (the default).</summary>
    public int DefaultMaxInFlight { get; set; } = 4;

    /// <summary>The most a stream may ask for.</summary>
    public int MaxInFlightLimit { get; set; } = 64;

    /// <summary>
    /// DROP_OLDEST streams that ask for no deadline get this one: a frame the server cannot start in time to answer it
    /// within this many milliseconds of its arrival is answered dropped instead of restored late (0: no deadline).
    /// 100 ms is three frames at 30 fps: past that a game has newer frames to show.
    /// </summary>
    public int DefaultMaxLatencyMs { get; set; } = 100;

    /// <summary>The largest max_latency_ms a stream may ask for.</summary>
    public const int MaxLatencyLimitMs = 60_000;

    /// <summary>
    /// Bytes of frames that all streams together hold (a frame's pixels from arrival, its output until written); beyond
    /// it a stream stops reading (QUEUE) or drops its oldest waiting frame (DROP_OLDEST). A stream holding no frame may
    /// always take one, so the bound is this plus one frame per stream. 512 MiB holds, for example, 16 streams of
    /// 1080p RGBA frames with two in flight each.
    /// </summary>
    public long MaxHeldFrameBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>
    /// Frames restored at the same time across all calls, a stream's own frames included; each model run gets
    /// <see cref="ResolvedOrtThreads"/> of the cores. Two frames on one core each keep both cores of these machines
    /// busy where one frame on both leaves them waiting at every operator's end (bench/serving: the ×2 upscaler's
    /// model runs 1.45× as many frames per second, 38 instead of 46 core-ms each); a single frame alone takes longer
    /// (about 1.4× its time on all cores). 1: one frame at a time on every core, for the least latency when idle.
    /// </summary>
    public int MaxConcurrentInferences { get; set; } = 2;

    /// <summary>
    /// RestoreStream calls served at once; one more is refused (RESOURCE_EXHAUSTED). Each holds at most its in-flight
    /// frames, so streams × in-flight bounds their frame memory.
    /// </summary>
    public int MaxStreams { get; set; } = 32;

    /// <summary>Unary Restore calls decoding, waiting for or running inference at once; one more is refused (RESOURCE_EXHAUSTED).</summary>
    public int MaxWaitingRestores { get; set; } = 8;

    /// <summary>Open connections per endpoint (Kestrel's MaxConcurrentConnections).</summary>
    public int MaxConnections { get; set; } = 256;

    /// <summary>HTTP/2 streams (calls) per connection (Kestrel's default is 100).</summary>
    public int MaxStreamsPerConnection { get; set; } = 100;

    /// <summary>Frames of more input pixels than this are restored in overlapping square tiles (<see cref="Inference.Engine.TileOptions"/>).</summary>
    public int MaxTilePixels { get; set; } = Inference.Engine.TileOptions.DefaultMaxTilePixels;

    public bool PreferCuda { get; set; } = true;

    /// <summary>
    /// Let ONNX Runtime's intra-op threads spin after each run. Off: in a server the spinning takes the cores from
    /// the threads that receive and convert the next frame (bench/serving: about 0.8× of raw ONNX Runtime with
    /// spinning, about 1.0× without).
    /// </summary>
    public bool OrtSpinWait { get; set; }

    /// <summary>
    /// ONNX Runtime's graph optimisation level per model: Measured (the faster of Extended and All on the model, timed
    /// when it loads; the default), All, Extended or Basic.
    /// </summary>
    public GraphOptimization OrtGraphOptimization { get; set; } = GraphOptimization.Measured;

    /// <summary>
    /// ONNX Runtime intra-op threads per model (a run uses its caller's thread and the model's pool, which concurrent
    /// runs of one model share); 0 (the default): the processors shared among the concurrent runs (<see cref="ResolvedOrtThreads"/>).
    /// </summary>
    public int OrtThreads { get; set; }

    /// <summary><see cref="OrtThreads"/>, or when 0 the processors divided among <see cref="MaxConcurrentInferences"/> runs (at least 1).</summary>
    public int ResolvedOrtThreads => OrtThreads > 0 ? OrtThreads : Math.Max(1, Environment.ProcessorCount / MaxConcurrentInferences);

    public JobOptions Jobs { get; set; } = new();

    public string ResolvedStateFolder => Path.GetFullPath(StateFolder
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "hinas"));

    public string ResolvedModelsFolder => Path.GetFullPath(ModelsFolder ?? Path.Combine(ResolvedStateFolder, "models"));

    /// <summary>
    /// Bytes of frame buffers kept between frames, over all models; the least recently used go beyond it
    /// (<see cref="Inference.Engine.TensorBufferPool.DefaultMaxIdleBytes"/> says why 64 MiB).
    /// </summary>
    public long MaxPooledBufferBytes { get; set; } = Inference.Engine.TensorBufferPool.DefaultMaxIdleBytes;

    /// <summary>Throws with the name of the first setting that is out of range.</summary>
    public void Validate()
    {
        static void Check(bool ok, string name, object? value, string rule)
        {
            if (!ok) throw new InvalidOperationException($"configuration {Section}:{name} = '{value}' is invalid: {rule}");
        }
        Check(Uri.TryCreate(GrpcUrl, UriKind.Absolute, out var grpc) && grpc.Scheme is "http" or "https", nameof(GrpcUrl), GrpcUrl, "an http:// or https:// URL");
        Check(string.IsNullOrEmpty(HttpUrl) || Uri.TryCreate(HttpUrl, UriKind.Absolute, out var m) && m.Scheme is "http" or "https", nameof(HttpUrl), HttpUrl, "an http:// or https:// URL, or empty");
        Check(RequireRestorationKey is "auto" or "true" or "false", nameof(RequireRestorationKey), RequireRestorationKey, "auto, true or false");
        Check(OrtThreads >= 0, nameof(OrtThreads), OrtThreads, "0 (the processors shared among MaxConcurrentInferences runs) or more");
        Check(Enum.IsDefined(OrtGraphOptimization), nameof(OrtGraphOptimization), OrtGraphOptimization, "Measured, All, Extended or Basic");
        Check(RestorationKey is null or "" or { Length: >= 16 }, nameof(RestorationKey), "(hidden)", "at least 16 characters");
        Check(MaxMessageBytes is >= 64 * 1024, nameof(MaxMessageBytes), MaxMessageBytes, "at least 65536");
        Check(MaxFramePixels is >= 64 and <= 1L << 30, nameof(MaxFramePixels), MaxFramePixels, "in [64, 2^30]");
        Check(MaxInFlightLimit is >= 1 and <= 4096, nameof(MaxInFlightLimit), MaxInFlightLimit, "in [1, 4096]");
        Check(DefaultMaxInFlight >= 1 && DefaultMaxInFlight <= MaxInFlightLimit, nameof(DefaultMaxInFlight), DefaultMaxInFlight, $"in [1, {MaxInFlightLimit}]");
        Check(DefaultMaxLatencyMs is >= 0 and <= MaxLatencyLimitMs, nameof(DefaultMaxLatencyMs), DefaultMaxLatencyMs, $"in [0, {MaxLatencyLimitMs}] (0: no deadline)");
        Check(MaxHeldFrameBytes >= 0, nameof(MaxHeldFrameBytes), MaxHeldFrameBytes, "≥ 0 bytes");
        Check(MaxConcurrentInferences is >= 1 and <= 256, nameof(MaxConcurrentInferences), MaxConcurrentInferences, "in [1, 256]");
        Check(MaxStreams is >= 1 and <= 100_000, nameof(MaxStreams), MaxStreams, "in [1, 100000]");
        Check(MaxWaitingRestores is >= 1 and <= 100_000, nameof(MaxWaitingRestores), MaxWaitingRestores, "in [1, 100000]");
        Check(MaxConnections is >= 1 and <= 1_000_000, nameof(MaxConnections), MaxConnections, "in [1, 1000000]");
        Check(MaxStreamsPerConnection is >= 1 and <= 10_000, nameof(MaxStreamsPerConnection), MaxStreamsPerConnection, "in [1, 10000]");
        Check(MaxTilePixels >= 32 * 32, nameof(MaxTilePixels), MaxTilePixels, "at least 32×32 = 1024");
        Check(MaxPooledBufferBytes >= 0, nameof(MaxPooledBufferBytes), MaxPooledBufferBytes, "≥ 0 bytes (0 keeps no buffer between frames)");
        Jobs.Validate();
    }
}

/// <summary>The "HiNas:Jobs" section.</summary>
public sealed class JobOptions
{
    /// <summary>The key the Jobs service requires (metadata authorization: Bearer KEY). Also read from HINAS_API_KEY.
    /// When neither is set, a random key is generated once and kept in STATE/api-key (mode 600).</summary>
    public string? ApiKey { get; set; }

    /// <summary>Folders under which job data paths must lie. Default: STATE/data.</summary>
    public List<string> DataRoots { get; set; } = new();

    /// <summary>CPU threads of a job's worker process; null = every core.</summary>
    public int? WorkerThreads { get; set; }

    /// <summary>"auto", "cpu" or "cuda[:N]": the device jobs run on (one job at a time).</summary>
    public string Device { get; set; } = "auto";

    /// <summary>The worker program (hinas.dll); default: one next to the server, else the CLI the server's build built (<see cref="Jobs.WorkerLocation"/>).</summary>
    public string? WorkerPath { get; set; }

    /// <summary>Run queued jobs (off: jobs are accepted and persisted but wait).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Jobs waiting to run at most; one more is refused (RESOURCE_EXHAUSTED).</summary>
    public int MaxQueued { get; set; } = 64;

    /// <summary>Finished jobs (succeeded, failed, cancelled) older than this many days are removed with their folders; 0 keeps them.</summary>
    public int RetainDays { get; set; } = 30;

    /// <summary>Finished jobs kept at most (the newest); older ones are removed with their folders; 0 = no limit.</summary>
    public int RetainJobs { get; set; } = 500;

    public void Validate()
    {
        if (ApiKey is { Length: > 0 and < 16 }) throw new InvalidOperationException("configuration HiNas:Jobs:ApiKey is too short: use at least 16 characters");
        if (MaxQueued is < 1 or > 100_000) throw new InvalidOperationException($"configuration HiNas:Jobs:MaxQueued = {MaxQueued} is invalid: in [1, 100000]");
        if (RetainDays is < 0 or > 36_500) throw new InvalidOperationException($"configuration HiNas:Jobs:RetainDays = {RetainDays} is invalid: in [0, 36500] (0 keeps finished jobs)");
        if (RetainJobs is < 0 or > 1_000_000) throw new InvalidOperationException($"configuration HiNas:Jobs:RetainJobs = {RetainJobs} is invalid: in [0, 1000000] (0 = no limit)");
        if (WorkerThreads is < 1 or > 1024) throw new InvalidOperationException($"configuration HiNas:Jobs:WorkerThreads = {WorkerThreads} is invalid: in [1, 1024]");
        if (!HiNas.Nas.Settings.DeviceNames.IsValid(Device))
            throw new InvalidOperationException($"configuration HiNas:Jobs:Device = '{Device}' is invalid: auto, cpu or cuda[:N]");
    }
}
