using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using HiNas.Cli.Infrastructure;
using HiNas.Imaging.Evaluation;
using HiNas.Inference.Engine;
using HiNas.Search.Evaluation;
using HiNas.Search.Runtime;
using HiNas.Search.Training;
using HiNas.Nas.Runs;
using HiNas.Nas.Settings;

namespace HiNas.Cli.Commands;

/// <summary>`hinas eval --checkpoint TRAIN_DIR --data DIR [--task …] [--seed N] [--json] [--save-outputs DIR]`</summary>
public static class EvalCommand
{
    public static Command Create(CliOutput output)
    {
        var checkpoint = new Option<DirectoryInfo?>("--checkpoint") { Description = "a training folder from hinas train (its best weights, run by TorchSharp)" };
        var modelOption = new Option<string?>("--model") { Description = "an ONNX model package folder, or a model id in --repository (run by ONNX Runtime)" };
        var repository = new Option<DirectoryInfo?>("--repository") { Description = $"folder of model packages for --model ID (default ./{ModelResolver.DefaultRepository})" };
        var data = new Option<DirectoryInfo>("--data") { Description = "folder of clean test images (PNG, JPEG, BMP; recursive)", Required = true };
        var taskOptions = new TaskOptions();
        var seed = new Option<ulong>("--seed") { Description = "seed of the per-image noise", DefaultValueFactory = _ => 0 };
        var saveOutputs = new Option<DirectoryInfo?>("--save-outputs") { Description = "write the restored images here as PNG" };
        var json = new Option<bool>("--json") { Description = "print one JSON object with the means and per-image rows" };

        var command = new Command("eval", "Evaluate a trained model by the standard protocol (noise seeded per image; SR on Y with the border shaved)")
        {
            checkpoint, modelOption, repository, data, seed, saveOutputs, json,
        };
        taskOptions.AddTo(command);
        command.SetAction(parse =>
        {
            var trainDir = parse.GetValue(checkpoint);
            var modelRef = parse.GetValue(modelOption);
            if ((trainDir is null) == (modelRef is null)) throw new CliUsageException("give exactly one of --checkpoint TRAIN_DIR and --model MODEL_DIR|ID");
            using var subject = trainDir is not null ? Subject.FromCheckpoint(trainDir.FullName) : Subject.FromModel(modelRef!, parse.GetValue(repository)?.FullName);
            var task = taskOptions.IsGiven(parse) ? taskOptions.Resolve(parse, defaults: subject.Restorer.Task) : subject.Restorer.Task;
            if (task.Channels != subject.Restorer.Task.Channels)
                throw new CliUsageException($"the model takes {(subject.Restorer.Task.Channels == 1 ? "gray" : "RGB")} images; drop --channels or set it to {subject.Restorer.Task.Channels}");
            var images = EvaluationProtocol.LoadFolder(parse.GetValue(data)!.FullName, task.Channels);
            EvaluationReport report;
            try
            {
                report = EvaluationProtocol.Run(subject.Restorer, task, images, parse.GetValue(seed), parse.GetValue(saveOutputs)?.FullName);
            }
            catch (ArgumentException e)
            {
                throw new CliUsageException(CliErrors.Describe(e));
            }
            var (parameters, flops) = (subject.Parameters, subject.FlopsPerMegapixel);
            if (parse.GetValue(json))
            {
                output.Out.WriteLine(JsonSerializer.Serialize(new
                {
                    report.Task, report.Images, report.Psnr, report.Ssim, report.InputPsnr, report.InputSsim,
                    Params = parameters, FlopsPerMegapixel = flops, report.MsPerImage,
                    Model = subject.Name, Runtime = subject.Runtime, report.Seed, report.Protocol, report.Rows,
                }, CliJson.Options));
                return ExitCodes.Success;
            }
            foreach (var row in report.Rows)
                output.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{row.Name}: {row.Psnr:F2} dB / {row.Ssim:F4} (input {row.InputPsnr:F2} dB / {row.InputSsim:F4}) {row.Milliseconds:F0} ms"));
            output.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{report.Task} on {report.Images} images: PSNR {report.Psnr:F2} dB, SSIM {report.Ssim:F4} (input {report.InputPsnr:F2} dB, {report.InputSsim:F4}); {parameters:N0} parameters, {flops / 1e9:F2} GFLOPs/MP, {report.MsPerImage:F0} ms/image ({subject.Runtime})"));
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The model under evaluation: a TorchSharp training run or an ONNX package.</summary>
    private sealed class Subject(IImageRestorer restorer, string name, string runtime, long parameters, double flops, IDisposable owner) : IDisposable
    {
        public IImageRestorer Restorer { get; } = restorer;
        public string Name { get; } = name;
        public string Runtime { get; } = runtime;
        public long Parameters { get; } = parameters;
        public double FlopsPerMegapixel { get; } = flops;

        public static Subject FromCheckpoint(string trainDir)
        {
            var model = TrainedModel.Load(trainDir);
            var cost = model.Cost;
            return new Subject(new TorchRestorer(model.Network, model.Task, TorchRuntime.DefaultDevice), trainDir, "TorchSharp", cost.Parameters, cost.FlopsPerMegapixel, model);
        }

        public static Subject FromModel(string modelOrId, string? repository)
        {
            var opened = ModelResolver.Open(modelOrId, repository);
            var m = opened.Model.Manifest;
            return new Subject(new OnnxRestorer(opened.Model), opened.Model.Package.Folder, $"ONNX Runtime {opened.Model.ExecutionProvider}", m.Params, m.FlopsPerMegapixel, opened);
        }

        public void Dispose() => owner.Dispose();
    }
}
