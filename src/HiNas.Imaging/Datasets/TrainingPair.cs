using HiNas.Imaging.Pixels;

namespace HiNas.Imaging.Datasets;

/// <summary>A degraded input and the clean target the network should produce from it.</summary>
public sealed record TrainingPair(PlanarImage Input, PlanarImage Target);
