using HiNas.Imaging.Randomness;
using HiNas.Imaging.Tasks;
using HiNas.Nas.Space;

namespace HiNas.Nas.Genotypes;

/// <summary>
/// A genotype drawn uniformly from the search space (the random-search baseline): per layer and node two
/// distinct inputs among the node's states and one of the space's operations for each (none only where the space
/// derives it, and then on one edge at most: a pair of nones is drawn again, both edges, so either edge is as likely to
/// be the none — a node of one operation as likely reads s0 as s1); a width path that moves
/// down/same/up uniformly among the moves that stay on the lattice.
/// </summary>
public static class RandomGenotype
{
    /// <summary>
    /// <paramref name="count"/> networks drawn uniformly, the i-th from a seed derived from <paramref name="seed"/> and i
    /// (the same draws each time): the sample budget estimates and calibrations judge a space by.
    /// </summary>
    public static IEnumerable<Genotype> Draws(SearchSpace space, int count, ulong seed) =>
        Enumerable.Range(0, count).Select(i => Sample(space, DeterministicRandom.Derive(seed, (ulong)i)));

    public static Genotype Sample(SearchSpace space, ulong seed)
    {
        var (layers, blocks, widthFactors) = (space.Layers, space.Blocks, space.WidthFactors);
        var random = new DeterministicRandom(DeterministicRandom.Derive(seed, 0x5EA5C4));
        var usable = space.Candidates.Names;
        var cells = new CellGenotype[layers];
        for (var l = 0; l < layers; l++)
        {
            var edges = new List<CellEdge>();
            for (var node = 0; node < blocks; node++)
            {
                var states = 2 + node;
                var first = random.NextInt(states);
                var second = random.NextInt(states - 1);
                if (second >= first) second++;
                string[] ops;
                do ops = new[] { usable[random.NextInt(usable.Count)], usable[random.NextInt(usable.Count)] };
                while (ops is [OperationNames.None, OperationNames.None]);
                edges.Add(new CellEdge(ops[0], Math.Min(first, second)));
                edges.Add(new CellEdge(ops[1], Math.Max(first, second)));
            }
            cells[l] = new CellGenotype(edges);
        }
        var path = new int[layers];
        var width = 0;
        for (var l = 0; l < layers; l++)
        {
            var moves = new[] { width - 1, width, width + 1 }.Where(w => w >= 0 && w < widthFactors.Count).ToArray();
            width = moves[random.NextInt(moves.Length)];
            path[l] = width;
        }
        return new Genotype(space, cells, path);
    }
}
