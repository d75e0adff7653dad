namespace HiNas.Imaging.Evaluation;

/// <summary>One evaluated image.</summary>
public sealed record EvaluationRow(string Name, int Width, int Height, double Psnr, double Ssim, double InputPsnr, double InputSsim, double Milliseconds);

/// <summary>The standard-protocol evaluation of a restorer on a folder of clean images.</summary>
public sealed record EvaluationReport
{
    public required string Task { get; init; }
    public required int Images { get; init; }
    public required double Psnr { get; init; }
    public required double Ssim { get; init; }
    public required double InputPsnr { get; init; }
    public required double InputSsim { get; init; }
    public required double MsPerImage { get; init; }
    public required ulong Seed { get; init; }
    public required string Protocol { get; init; }
    public required IReadOnlyList<EvaluationRow> Rows { get; init; }
}
