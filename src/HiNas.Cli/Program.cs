using HiNas.Cli.Infrastructure;
using HiNas.Search.Runtime;

// first of all, for the commands that compute with libtorch: its tensors want tcmalloc, which has to be preloaded
// (the process re-executes itself with it, about 0.1 s, so the client commands do without)
string[] torchCommands = ["search", "select", "train", "eval", "export", "profile-latency", "run"];
try
{
    if (args.Length > 0 && torchCommands.Contains(args[0])) NativeHeap.RelaunchWithTcmalloc();
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"hinas: {e.Message}");
    return ExitCodes.Usage;
}
// the runtime's start-up decisions (oneDNN from its self-check) go to stderr, beside errors, never into results
TorchRuntime.Log = line => Console.Error.WriteLine($"hinas: {line}");
return await HinasApp.RunAsync(args, Console.Out, Console.Error);
