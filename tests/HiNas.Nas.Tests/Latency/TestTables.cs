using HiNas.Nas.Latency;
using HiNas.Nas.Space;

namespace HiNas.Nas.Tests.Latency;

/// <summary>Latency tables made up for a space, for tests that price networks without measuring them.</summary>
internal static class TestTables
{
    /// <summary>A table of every part of <paramref name="space"/>, each a different positive time (projections and the head dearer at more channels).</summary>
    public static LatencyTable Of(SearchSpace space)
    {
        var r = space.PixelUnshuffle;
        var b = space.Blocks;
        var channels = Enumerable.Range(0, space.WidthFactors.Count).Select(space.NodeChannels).ToArray();
        var inputs = channels.Select(c => b * c).Append(channels[0]).Append(space.StemChannels).Distinct().ToArray();
        var ms = new Dictionary<string, double> { [LatencyKeys.Stem(space)] = 1.0 };
        foreach (var c in channels)
        {
            foreach (var op in space.Offered) ms[LatencyKeys.Operation(op, c, r, space.Form)] = op.Convolves ? 0.1 * c + 0.05 * op.Name.Length : 0.02 * c;
            ms[LatencyKeys.Add(c, r, space.Form)] = 0.01 * c;
            ms[LatencyKeys.Concat(b, c, r)] = 0.015 * c;
            ms[LatencyKeys.Head(space, b * c)] = 0.05 * b * c;
            foreach (var i in inputs) ms[LatencyKeys.Projection(i, c, r, space.Form)] = 0.004 * i * c / 8;
        }
        return new LatencyTable { Device = "test", Runtime = "test", Width = 32, Height = 32, Repeats = 1, Milliseconds = ms };
    }
}
