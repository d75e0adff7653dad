using HiNas.Imaging.Tasks;
using HiNas.Nas.Settings;

namespace HiNas.Nas.Tests.Settings;

public class LearningRateScheduleTests
{
    [Fact]
    public void TheCurvesRunFromTheRateToItsMinimum()
    {
        Assert.Equal(1e-3, LearningRateSchedules.Cosine(1e-3, 1e-5, 0), 15);
        Assert.Equal(0.5 * (1e-3 + 1e-5), LearningRateSchedules.Cosine(1e-3, 1e-5, 0.5), 15);
        Assert.Equal(1e-5, LearningRateSchedules.Cosine(1e-3, 1e-5, 1), 15);
        Assert.Equal(1e-3, LearningRateSchedules.Poly(1e-3, 1e-5, 0), 15);
        Assert.Equal(1e-5 + (1e-3 - 1e-5) * Math.Pow(0.5, 0.9), LearningRateSchedules.Poly(1e-3, 1e-5, 0.5), 15);
        Assert.Equal(1e-5, LearningRateSchedules.Poly(1e-3, 1e-5, 1), 15);
    }

    /// <summary>Training, search and int8 tuning read the one curve, each at its own progress.</summary>
    [Fact]
    public void TrainingSearchAndTuningFollowTheCurve()
    {
        var train = new TrainOptions { Task = RestorationTask.Denoise(25, 1), Architecture = new ArchitectureSpec { Kind = ArchitectureSpec.DnCnnKind, Depth = 3, Width = 8 }, Iterations = 200 };
        Assert.Equal(LearningRateSchedules.Cosine(train.LearningRate, train.LearningRateMin, 0.25), train.LearningRateAt(50), 15);
        Assert.Equal(train.LearningRateMin, train.LearningRateAt(400), 15); // past the end: the minimum
        var poly = train with { Schedule = "poly" };
        Assert.Equal(LearningRateSchedules.Poly(train.LearningRate, train.LearningRateMin, 0.25), poly.LearningRateAt(50), 15);
        var int8 = new Int8Settings { TuningSteps = 8 };
        Assert.Equal(LearningRateSchedules.Cosine(1, 0, 0.5), int8.LearningRateFactorAt(5), 15); // step 5 starts half-way
    }
}
