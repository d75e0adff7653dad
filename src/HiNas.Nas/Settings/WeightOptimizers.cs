namespace HiNas.Nas.Settings;

/// <summary>
/// How a search updates the supernet's weights (setting <c>weight_optimizer</c>), each with its recipe of learning rate,
/// floor and decay (<see cref="SearchOptions.WithWeightOptimizer"/>).
/// </summary>
public static class WeightOptimizers
{
    /// <summary>SGD with momentum 0.9 and weight decay 3e-4, cosine from 0.025 to 0.001: the paper's (DARTS's) search.</summary>
    public const string Sgd = "sgd";

    /// <summary>Adam, cosine from 1e-3 to 1e-5, no weight decay: the recipe <c>hinas train</c> retrains with.</summary>
    public const string Adam = "adam";

    public static readonly IReadOnlyList<string> Names = new[] { Sgd, Adam };

    public static bool IsValid(string? name) => name is not null && Names.Contains(name);

    /// <summary>Why <paramref name="text"/> is refused.</summary>
    public static string Refusal(string? text) => $"'{text}' is not {string.Join(" or ", Names)}";
}
