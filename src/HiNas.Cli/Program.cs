using HiNas.Cli.Infrastructure;

return await HinasApp.RunAsync(args, Console.Out, Console.Error);
