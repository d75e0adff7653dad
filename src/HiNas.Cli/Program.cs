using HiNas.Cli.Infrastructure;
using HiNas.Search.Runtime;

// the runtime's start-up decisions (oneDNN from its self-check) go to stderr, beside errors, never into results
TorchRuntime.Log = line => Console.Error.WriteLine($"hinas: {line}");
return await HinasApp.RunAsync(args, Console.Out, Console.Error);
