using HiNas.Server.Hosting;

// The HiNas.Realtime gRPC server: `dotnet run --project src/HiNas.Server` serves the embedded default models on
// http://127.0.0.1:5080 (h2c) with metrics on http://127.0.0.1:5081/metrics. Settings: see ServerOptions.
var app = ServerApp.Build(args);
app.Run();
