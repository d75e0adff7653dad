using HiNas.Imaging.Datasets;
using HiNas.Imaging.Tasks;
using HiNas.Inference.Engine;
using HiNas.Inference.Repository;

namespace HiNas.Inference.Tests;

/// <summary>The frame buffers kept between frames are bounded in bytes, over every shape and model.</summary>
public sealed class TensorBufferPoolTests
{
    [Fact]
    public void TwoHundredFrameShapes_KeepThePoolWithinItsBound_AndRepeatedShapesReuseTheirBuffers()
    {
        const long bound = 2L * 1024 * 1024;
        var folder = TestModels.TempDir();
        TestModels.Publish(folder, "gray", RestorationTask.Denoise(25, 1));
        using var repository = new ModelRepository(folder, watch: false, maxPooledBytes: bound);
        var model = repository.Get("gray");
        var generator = new DeadLeavesGenerator();
        long most = 0;
        for (var i = 0; i < 200; i++)
        {
            var image = generator.Generate(40 + i, 33 + i % 7, 1, seed: (ulong)i);
            var restored = InferenceEngine.Restore(model, image);
            Assert.Equal((image.Width, image.Height), (restored.Width, restored.Height));
            most = Math.Max(most, repository.Buffers.IdleBytes);
        }
        Assert.InRange(most, 1, bound);

        // the same shape again and again: its buffers come back from the pool, and the result is the same
        var frame = generator.Generate(64, 48, 1, seed: 3);
        var first = InferenceEngine.Restore(model, frame);
        var count = repository.Buffers.IdleCount;
        for (var i = 0; i < 5; i++) Assert.Equal(first.Data, InferenceEngine.Restore(model, frame).Data);
        Assert.Equal(count, repository.Buffers.IdleCount);
    }

    [Fact]
    public void TheLeastRecentlyUsedShapeGoesFirst_AndABufferAboveTheBoundIsNotKept()
    {
        var a = new TensorShape(1, 1, 16, 16, 1);
        var b = new TensorShape(1, 1, 16, 17, 1);
        var c = new TensorShape(1, 1, 16, 18, 1);
        using var pool = new TensorBufferPool(maxIdleBytes: 2 * 4 * 2 * 16 * 18);   // room for two sets of these sizes
        var (ba, bb, bc) = (pool.Take(a), pool.Take(b), pool.Take(c));
        pool.Return(ba);
        pool.Return(bb);
        pool.Return(bc); // a is the oldest: it goes
        Assert.Equal(2, pool.IdleCount);
        Assert.NotSame(ba, pool.Take(a));
        Assert.Same(bc, pool.Take(c));
        using var small = new TensorBufferPool(maxIdleBytes: 100);
        small.Return(small.Take(a));
        Assert.Equal(0, small.IdleCount);
        Assert.Equal(0, small.IdleBytes);
    }
}
