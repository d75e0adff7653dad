namespace HiNas.Nas.Settings;

/// <summary>How a search trains the supernet's weights (setting <c>supernet_training</c>).</summary>
public static class SupernetTrainings
{
    /// <summary>
    /// The paper's: every weight step trains the whole mixture (every operation of every edge at its softmax(α) weight,
    /// every width at its β weight), alternating with α/β steps after the warm-up; the network is derived from α and β.
    /// </summary>
    public const string Mixture = "mixture";

    /// <summary>
    /// One-shot (single-path, Guo et al. 2020): after the warm-up (whose epochs train the mixture's weights), every
    /// weight step trains one network of the space drawn uniformly (cells and a width path the supernet runs on its own);
    /// no α/β steps; the network is derived by ranking networks drawn from the space as sub-networks of the trained
    /// supernet (HiNas.Search's NetworkRanking). A mixture's weights are co-adapted: its sub-networks, run alone,
    /// restore nothing (bench/search-recipe).
    /// </summary>
    public const string SinglePath = "single-path";

    public static readonly IReadOnlyList<string> Names = new[] { Mixture, SinglePath };

    public static bool IsValid(string? name) => name is not null && Names.Contains(name);

    /// <summary>Why <paramref name="text"/> is refused.</summary>
    public static string Refusal(string? text) => $"'{text}' is not {string.Join(" or ", Names)}";
}
