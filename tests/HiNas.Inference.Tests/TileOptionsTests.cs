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
}
