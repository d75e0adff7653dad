using HiNas.Search.Genotypes;

namespace HiNas.Search.Latency;

/// <summary>The latency a table predicts for a derived network: the sum of its parts.</summary>
public static class NetworkLatency
{
    /// <summary>Every part of the network described by <paramref name="genotype"/>, in order (keys of <see cref="LatencyKeys"/>).</summary>
    public static IEnumerable<string> Parts(Genotype genotype)
    {
        var b = genotype.Blocks;
        var c0 = genotype.NodeChannels(0);
        yield return LatencyKeys.Stem(genotype.Task.Channels, genotype.StemChannels, b * c0, c0);
        int previous = b * c0, beforePrevious = c0;
        for (var l = 0; l < genotype.Layers; l++)
        {
            var c = genotype.NodeChannels(genotype.WidthPath[l]);
            yield return LatencyKeys.Projection(previous, c);
            yield return LatencyKeys.Projection(beforePrevious, c);
            foreach (var edge in genotype.Cells[l].Edges)
                if (LatencyKeys.IsMeasured(edge.Op)) yield return LatencyKeys.Operation(edge.Op, c);
            for (var node = 0; node < b; node++) yield return LatencyKeys.Add(c);
            yield return LatencyKeys.Concat(b, c);
            (beforePrevious, previous) = (previous, b * c);
        }
        yield return LatencyKeys.Head(previous, genotype.Task);
    }

    /// <summary>Predicted milliseconds per frame at the table's resolution.</summary>
    public static double Predict(Genotype genotype, LatencyTable table) => Parts(genotype).Sum(table.Of);
}
