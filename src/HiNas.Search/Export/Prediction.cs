namespace HiNas.Search.Export;

/// <summary>
/// What a network predicts, as its inference graph holds it: <see cref="Value"/> at 1/<see cref="Shuffle"/> of each side
/// of the output with channels·<see cref="Shuffle"/>² channels, PixelShuffle(<see cref="Shuffle"/>) of which is the
/// prediction at the output's size (1: it is that already). The task's residual is applied before the shuffle where
/// that is cheaper (<c>TaskResidual.Emit</c>): a ×2 upscaler of the frame-time space adds its bicubic residual to 48
/// channels at 320×180 instead of 3 at 1280×720, and shuffles once.
/// </summary>
public readonly record struct Prediction(string Value, int Shuffle = 1)
{
    /// <summary>The prediction at the output's size.</summary>
    public string Shuffled(IGraphEmitter g) => Shuffle == 1 ? Value : g.PixelShuffle(Value, Shuffle);
}
