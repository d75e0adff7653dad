using HiNas.Inference.Engine;

namespace HiNas.Inference.Tests;

public sealed class TileOptionsTests
{
    [Theory]
    [InlineData(720, 1280, false)] // a 720p frame runs whole by default
    [InlineData(360, 640, false)]
    [InlineData(200, 4000, false)] // the bound is on the area, not a side
    [InlineData(721, 1280, true)]
    [InlineData(1080, 1920, true)]
    public void TheDefaultBound_TilesByArea(int height, int width, bool tiled) =>
        Assert.Equal(tiled, new TileOptions().Tiles(height, width));

    [Fact]
    public void TilesAreTheLargestSquareWithinTheArea_AndTheOverlapFitsThem()
    {
        Assert.Equal(960, new TileOptions().TileSide);
        Assert.Equal(64, new TileOptions { MaxTilePixels = 64 * 64 + 100 }.TileSide);
        var small = Assert.Throws<ArgumentOutOfRangeException>(() => new TileOptions { MaxTilePixels = 1000 }.Validate());
        Assert.Contains("at least 32×32", small.Message);
        var wide = Assert.Throws<ArgumentOutOfRangeException>(() => new TileOptions { MaxTilePixels = 64 * 64, Overlap = 40 }.Validate());
        Assert.Contains("overlap must be in [4, 32]", wide.Message);
    }

    [Theory]
    [InlineData(1080, 1920, 1, 1.10)]
    [InlineData(2160, 3840, 1, 1.20)]
    [InlineData(1081, 1919, 2, 1.15)]
    [InlineData(4000, 300, 4, 1.15)]
    public void LargeFramesRunInFewEvenTiles_WithinTheArea_CoveringTheFrame(int height, int width, int multiple, double mostWork)
    {
        var options = new TileOptions();
        var (h, w) = (EdgePadded.RoundUp(height, multiple), EdgePadded.RoundUp(width, multiple));
        var overlap = EdgePadded.RoundUp(options.Overlap, multiple);
        var (th, tw) = TileGrid.Plan(h, w, options.MaxTilePixels, overlap, multiple);
        Assert.True((long)th * tw <= options.MaxTilePixels, $"a {tw}×{th} tile is above the bound");
        Assert.Equal(0, th % multiple);
        Assert.Equal(0, tw % multiple);
        var (ys, xs) = (TileGrid.Starts(h, th, overlap), TileGrid.Starts(w, tw, overlap));
        Assert.Equal(0, ys[0]);
        Assert.Equal(h, ys[^1] + th); // the last tile ends at the frame's edge
        Assert.Equal(w, xs[^1] + tw);
        Assert.All(ys.Zip(ys.Skip(1)), p => Assert.InRange(p.Second - p.First, 1, th - overlap)); // neighbours share the overlap
        Assert.All(xs.Zip(xs.Skip(1)), p => Assert.InRange(p.Second - p.First, 1, tw - overlap));
        var work = (double)ys.Length * xs.Length * th * tw / ((double)h * w);
        Assert.True(work <= mostWork, $"{ys.Length}×{xs.Length} tiles of {tw}×{th} compute {work:F2}× the frame");
    }
}
