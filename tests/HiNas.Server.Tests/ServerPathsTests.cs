using Grpc.Core;
using HiNas.Inference.Packages;
using HiNas.Protocol.V1;
using HiNas.Server.Hosting;
using HiNas.Server.Rpc;
using Microsoft.Extensions.Options;

namespace HiNas.Server.Tests;

/// <summary>What clients read never spells out the server's folders nor carries a library's exception text.</summary>
public sealed class ServerPathsTests
{
    [Fact]
    public void Redact_NamesTheServersFolders_AndCutsOtherPathsToTheirLastPart()
    {
        var paths = new ServerPaths(Options.Create(new ServerOptions { StateFolder = "/srv/hinas", Jobs = new JobOptions { DataRoots = { "/mnt/photos" } } }));
        Assert.Equal("Is a directory : 'STATE/jobs/1/job.json'", paths.Redact("Is a directory : '/srv/hinas/jobs/1/job.json'"));
        Assert.Equal("MODELS/x/model.onnx and DATA/a.png", paths.Redact("/srv/hinas/models/x/model.onnx and /mnt/photos/a.png"));
        Assert.Equal("the worker 'hinas.dll' does not exist; conv 3×3/5×5 stays", paths.Redact("the worker '/opt/app/hinas.dll' does not exist; conv 3×3/5×5 stays"));
    }

    [Fact]
    public async Task ABrokenModel_IsListedAndRefused_WithoutServerPathsOrExceptionText()
    {
        var state = TestServerHost.TempFolder();
        var models = Path.Combine(state, "models");
        var manifest = new ModelManifest { Id = "corrupt", Task = "denoise", Channels = 1, Scale = 1, Sigma = 25, ModelBytes = 1, ModelSha256 = new string('0', 64) };
        ModelPackage.Publish(Path.Combine(models, "corrupt"), manifest, "not an onnx model at all"u8.ToArray());
        Directory.CreateDirectory(Path.Combine(models, "empty"));
        await using var host = await TestServerHost.StartAsync(state);

        var refused = await Assert.ThrowsAsync<RpcException>(async () => await host.Restoration.RestoreAsync(new RestoreRequest
        {
            ModelId = "corrupt", Frame = new RawFrame { Width = 8, Height = 8, Format = PixelFormat.Gray8, Pixels = Google.Protobuf.ByteString.CopyFrom(new byte[64]) },
        }));
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Equal("model_id: model 'corrupt' cannot be served: model.onnx is not a loadable ONNX model (ONNX Runtime's reason is in the server log)", refused.Status.Detail);

        var listed = await host.Restoration.ListModelsAsync(new ListModelsRequest());
        Assert.Equal(new[] { "corrupt", "empty" }, listed.Problems.Select(p => p.Folder).Order());
        Assert.All(listed.Problems, p => Assert.DoesNotContain(state, p.Reason + p.Folder));
        Assert.All(listed.Problems, p => Assert.DoesNotContain("/", p.Reason + p.Folder));
    }
}
