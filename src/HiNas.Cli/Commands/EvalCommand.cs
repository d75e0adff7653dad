using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using HiNas.Cli.Infrastructure;
using HiNas.Imaging.Evaluation;
using HiNas.Search.Evaluation;
using HiNas.Search.Runtime;
using HiNas.Search.Training;

namespace HiNas.Cli.Commands;

/// <summary>`hinas eval --checkpoint TRAIN_DIR --data DIR [--task …] [--seed N] [--json] [--save-outputs DIR]`</summary>
public static class EvalCommand
{
    public static Command Create(CliOutput output)
    {
        var checkpoint = new Option<DirectoryInfo?>("--checkpoint") { Description = "a training folder from hinas train (its best weights)" };
        var data = new Option<DirectoryInfo>("--data") { Description = "folder of clean test images (PNG, JPEG, BMP; recursive)", Required = true };
        var taskOptions = new TaskOptions();
        var seed = new Option<ulong>("--seed") { Description = "seed of the per-image noise", DefaultValueFactory = _ => 0 };
        var saveOutputs = new Option<DirectoryInfo?>("--save-outputs") { Description = "write the restored images here as PNG" };
        var json = new Option<bool>("--json") { Description = "print one JSON object with the means and per-image rows" };

        var command = new Command("eval", "Evaluate a trained model by the standard protocol (noise seeded per image; SR on Y with the border shaved)")
        {
            checkpoint, data, seed, saveOutputs, json,
        };
        taskOptions.AddTo(command);
        command.SetAction(parse =>
        {
            var trainDir = parse.GetValue(checkpoint) ?? throw new CliUsageException("--checkpoint TRAIN_DIR is required");
            using var model = TrainedModel.Load(trainDir.FullName);
            var task = taskOptions.IsGiven(parse) ? taskOptions.Resolve(parse, defaults: model.Task) : model.Task;
            if (task.Channels != model.Task.Channels)
                throw new CliUsageException($"the model takes {(model.Task.Channels == 1 ? "gray" : "RGB")} images; drop --channels or set it to {model.Task.Channels}");
            var images = EvaluationProtocol.LoadFolder(parse.GetValue(data)!.FullName, task.Channels);
            var restorer = new TorchRestorer(model.Network, model.Task, TorchRuntime.DefaultDevice);
            EvaluationReport report;
            try
            {
                report = EvaluationProtocol.Run(restorer, task, images, parse.GetValue(seed), parse.GetValue(saveOutputs)?.FullName);
            }
            catch (ArgumentException e)
            {
                throw new CliUsageException(CliErrors.Describe(e));
            }
            var cost = model.Cost;
            if (parse.GetValue(json))
            {
                output.Out.WriteLine(JsonSerializer.Serialize(new
                {
                    report.Task, report.Images, report.Psnr, report.Ssim, report.InputPsnr, report.InputSsim,
                    Params = cost.Parameters, FlopsPerMegapixel = cost.FlopsPerMegapixel, report.MsPerImage,
                    Model = trainDir.FullName, report.Seed, report.Protocol, report.Rows,
                }, CliJson.Options));
                return ExitCodes.Success;
            }
            foreach (var row in report.Rows)
                output.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{row.Name}: {row.Psnr:F2} dB / {row.Ssim:F4} (input {row.InputPsnr:F2} dB / {row.InputSsim:F4}) {row.Milliseconds:F0} ms"));
            output.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{report.Task} on {report.Images} images: PSNR {report.Psnr:F2} dB, SSIM {report.Ssim:F4} (input {report.InputPsnr:F2} dB, {report.InputSsim:F4}); {cost.Parameters:N0} parameters, {cost.FlopsPerMegapixel / 1e9:F2} GFLOPs/MP, {report.MsPerImage:F0} ms/image"));
            return ExitCodes.Success;
        });
        return command;
    }
}
