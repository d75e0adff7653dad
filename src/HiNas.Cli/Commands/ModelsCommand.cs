using System.CommandLine;
using System.Globalization;
using HiNas.Cli.Infrastructure;
using HiNas.Client;

namespace HiNas.Cli.Commands;

/// <summary>`hinas models list --server URL [--json]`: the models a server serves.</summary>
public static class ModelsCommand
{
    public static Command Create(CliOutput output)
    {
        var remote = new RemoteOptions();
        var json = new Option<bool>("--json") { Description = "print one JSON object per model, one per line" };
        var list = new Command("list", "List the models a server serves");
        remote.AddTo(list);
        list.Options.Add(json);
        list.SetAction(async (parse, cancellation) =>
        {
            using var client = new RestorationClient(remote.Resolve(parse));
            var models = await client.ListModelsAsync(cancellation);
            if (parse.GetValue(json))
            {
                foreach (var m in models) output.Out.WriteLine(RemoteOptions.Json.Format(m));
                return ExitCodes.Success;
            }
            output.Out.WriteLine($"{"id",-28} {"task",-8} {"scale",5} {"ch",3} {"precision",-9} {"params",9} {"GFLOPs/MP",9}  {"latency",-24} architecture");
            foreach (var m in models)
            {
                var latency = m.HasMeasuredLatencyMs
                    ? string.Create(CultureInfo.InvariantCulture, $"{m.MeasuredLatencyMs:F1} ms @{m.LatencyResolution}{(m.HasLatencyBudgetMs ? $" (≤{m.LatencyBudgetMs:F0})" : "")}")
                    : "—";
                output.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{m.Id,-28} {m.Task,-8} {m.Scale,5} {m.Channels,3} {m.Precision,-9} {m.Params,9:N0} {m.FlopsPerMegapixel / 1e9,9:F1}  {latency,-24} {m.Architecture}"));
            }
            return ExitCodes.Success;
        });
        return new Command("models", "Models on a running server") { list };
    }
}
