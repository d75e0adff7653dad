using System.Text.Json.Serialization;

namespace HiNas.Nas.Settings;

/// <summary>How an int8 graph is made from a float one: calibration crops, then quantization-aware tuning steps.</summary>
public sealed record Int8Settings
{
    /// <summary>Calibration crops (side <see cref="Crop"/>) drawn from the training images, degraded as in training.</summary>
    public int CalibrationCrops { get; init; } = 32;

    /// <summary>Quantization-aware tuning: Adam steps on the fake-quantized graph (0: calibration only).</summary>
    public int TuningSteps { get; init; } = 1000;

    public double LearningRate { get; init; } = 1e-5;

    /// <summary>
    /// Adam's learning rate for the activations' ranges, tuned beside the weights (learned step sizes, each as its
    /// logarithm: a rate of r moves a range by about r of itself per step); 0 keeps the calibrated ranges. By
    /// measurement (the gray default, bench/defaults): 1e-3 gained 0.07–0.09 dB of int8 validation over calibrated
    /// ranges at σ 5, 25 and 50, 1e-2 nothing.
    /// </summary>
    public double RangeLearningRate { get; init; } = 1e-3;

    /// <summary>
    /// How many of the network's last convolutions (and what lies between them and the prediction) stay float: 0 by
    /// default (all of the network in int8); null measures it: the fewest whose calibrated fake-quantized validation is
    /// within <see cref="FloatTailTargetDb"/> of float. Not the default, by measurement: the ×2 upscaler's calibrated
    /// curve asked for 3 of its 4 levels (int8 then ran at 0.89× float) where tuning brings the all-int8 graph within
    /// 0.06 dB; the gray denoiser's never came within 0.1 dB short of the whole network (bench/defaults).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] // null (measure it) is written, so that it reads back as null, not as the default 0
    public int? FloatTail { get; init; } = 0;

    /// <summary>
    /// How many of the network's first convolutions (and what lies between them and the network input) stay float, so
    /// that the network reads the image as it came: 0 rounds the network input on one uint8 range (the image's and its
    /// noise plane's, over the noise's tails).
    /// </summary>
    public int FloatHead { get; init; } = 0;

    /// <summary>What a chosen float tail aims at: <see cref="ToleranceDb"/>, at most 0.1 dB (a looser tolerance only lets a miss be written).</summary>
    [JsonIgnore]
    public double FloatTailTargetDb => Math.Min(ToleranceDb, 0.1);

    /// <summary>
    /// The learning rates over the tuning: <see cref="CosineSchedule"/> from the rates towards 0 (a step runs at the cosine of where it starts), or
    /// <see cref="ConstantSchedule"/>. Cosine by measurement (the RGB default, bench/defaults): int8 − float validation
    /// at σ 5 / 25 / 50 −1.10 / −0.43 / −0.54 dB against constant's −1.48 / −0.80 / −0.93 — at a constant rate the
    /// fake-quantized validation swings by 0.8 dB from check to check, and the decay settles it.
    /// </summary>
    public string Schedule { get; init; } = CosineSchedule;

    public const string ConstantSchedule = "constant";
    public const string CosineSchedule = "cosine";

    /// <summary>The factor on both learning rates at tuning step <paramref name="step"/> (1-based) of <see cref="TuningSteps"/>.</summary>
    public double LearningRateFactorAt(int step) =>
        Schedule == CosineSchedule ? LearningRateSchedules.Cosine(1, 0, (double)(step - 1) / Math.Max(1, TuningSteps)) : 1;

    /// <summary>
    /// Before calibration, scale down the channels of a ReLU's output that reach far beyond the others (and up the
    /// readers' weights of those channels; the float graph computes the same), so that one range per tensor does not
    /// round every channel with the step of its widest. On by measurement (bench/defaults): the RGB default's int8
    /// validation at σ 5 / 25 / 50 +0.86 / +0.23 / −0.09 dB, the gray default's +0.01 / +0.01 / +0.02, the ×2 has none.
    /// </summary>
    public bool EqualizeOutliers { get; init; } = true;

    /// <summary>
    /// For a denoiser told the noise: the σ (0–255 scale) at which its σ range is cut into bands, comma-separated,
    /// ascending; each band gets an int8 graph calibrated and tuned on its own σ, and the package runs the band of the
    /// σ it is told (one graph, ONNX If). Empty: one graph for the whole range. Boundaries outside the range's interior
    /// cut nothing, and a graph not told the noise has one band. By measurement (bench/defaults): one range per value
    /// over σ 0–50 rounds low noise coarsely and clips high noise; with bands of 10 the RGB default's int8 − float at
    /// σ 15 / 25 / 50 is −0.05 / −0.08 / −0.17 dB on photographs and −0.46 / −0.43 / −0.52 on rendered frames, against
    /// −0.17 / −0.20 / −0.32 and −0.88 / −0.69 / −1.05 with one graph (bands 0–20, 20–35, 35–50: −0.12 / −0.12 / −0.15
    /// and −0.80 / −0.43 / −0.52).
    /// </summary>
    public string SigmaBands { get; init; } = "10,20,30,40";

    /// <summary>The boundaries of <see cref="SigmaBands"/>, ascending.</summary>
    public IReadOnlyList<double> SigmaBoundaries()
    {
        if (string.IsNullOrWhiteSpace(SigmaBands)) return Array.Empty<double>();
        var parts = SigmaBands.Split(',', StringSplitOptions.TrimEntries);
        var values = new double[parts.Length];
        for (var i = 0; i < parts.Length; i++)
            if (!double.TryParse(parts[i], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out values[i]) || !double.IsFinite(values[i]))
                throw new SettingException("int8_sigma_bands", $"'{parts[i]}' in '{SigmaBands}' is not a number (σ boundaries, comma-separated, e.g. 20,35)");
        for (var i = 0; i < values.Length; i++)
        {
            SettingException.Require(values[i] is > 0 and <= 255, "int8_sigma_bands", $"σ boundaries lie in (0, 255]; '{SigmaBands}' has {values[i]:g}");
            SettingException.Require(i == 0 || values[i] > values[i - 1], "int8_sigma_bands", $"σ boundaries must ascend; '{SigmaBands}' does not");
        }
        return values;
    }

    public int Batch { get; init; } = 8;

    /// <summary>The side of the calibration and tuning crops; the training's crop where a training image is smaller.</summary>
    public int Crop { get; init; } = 64;

    /// <summary>Validation runs on the centre crop of this side of each validation image.</summary>
    public int ValidationCrop { get; init; } = 256;

    /// <summary>Validation (fake-quantized PSNR) every this many steps; the best weights are kept.</summary>
    public int ValidateEvery { get; init; } = 250;

    public ulong Seed { get; init; } = 1;

    /// <summary>The int8 graph may score at most this many dB under the float one on the validation images, or the export fails.</summary>
    public double ToleranceDb { get; init; } = 0.1;

    public void Validate()
    {
        SettingException.Require(CalibrationCrops is >= 1 and <= 4096, "int8_calibration_crops", $"must be in [1, 4096], got {CalibrationCrops}");
        SettingException.Require(TuningSteps is >= 0 and <= 1_000_000, "int8_tuning_steps", $"must be in [0, 1000000], got {TuningSteps}");
        SettingException.Require(LearningRate > 0 && LearningRate < 1, "int8_learning_rate", $"must be in (0, 1), got {LearningRate}");
        SettingException.Require(RangeLearningRate >= 0 && RangeLearningRate < 1, "int8_range_learning_rate", $"must be in [0, 1), got {RangeLearningRate}");
        SettingException.Require(Batch is >= 1 and <= 256, "int8_batch", $"must be in [1, 256], got {Batch}");
        SettingException.Require(Crop is >= 16 and <= 512, "int8_crop", $"must be in [16, 512], got {Crop}");
        SettingException.Require(ValidationCrop is >= 16 and <= 8192, "int8_validation_crop", $"must be in [16, 8192], got {ValidationCrop}");
        SettingException.Require(ToleranceDb >= 0 && double.IsFinite(ToleranceDb), "int8_tolerance_db", $"must be a number ≥ 0, got {ToleranceDb}");
        SettingException.Require(ValidateEvery >= 1, "int8_validate_every", $"must be ≥ 1, got {ValidateEvery}");
        SettingException.Require(FloatTail is null or (>= 0 and <= 1000), "int8_float_tail", $"must be in [0, 1000], got {FloatTail}");
        SettingException.Require(FloatHead is >= 0 and <= 1000, "int8_float_head", $"must be in [0, 1000], got {FloatHead}");
        SettingException.Require(SigmaBands is not null, "int8_sigma_bands", "must be a list of σ boundaries (empty: one band)");
        SigmaBoundaries();
        SettingException.Require(Schedule is ConstantSchedule or CosineSchedule, "int8_schedule", $"'{Schedule}' is not {ConstantSchedule} or {CosineSchedule}");
    }
}
