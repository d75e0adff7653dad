namespace HiNas.Imaging.Randomness;

/// <summary>
/// xoshiro256** seeded through SplitMix64: the same seed gives the same stream on every platform and
/// .NET version (System.Random makes no such promise across versions). Normals by Box–Muller.
/// </summary>
public sealed class DeterministicRandom
{
    private ulong _s0, _s1, _s2, _s3;
    private double? _spareNormal;

    public DeterministicRandom(ulong seed)
    {
        var sm = seed;
        _s0 = SplitMix64(ref sm);
        _s1 = SplitMix64(ref sm);
        _s2 = SplitMix64(ref sm);
        _s3 = SplitMix64(ref sm);
    }

    /// <summary>The generator's full state, to checkpoint a run and continue it identically.</summary>
    public ulong[] GetState() => new[]
    {
        _s0, _s1, _s2, _s3,
        _spareNormal.HasValue ? 1UL : 0UL,
        _spareNormal.HasValue ? (ulong)BitConverter.DoubleToInt64Bits(_spareNormal.Value) : 0UL,
    };

    /// <summary>A generator continuing exactly from a <see cref="GetState"/> snapshot.</summary>
    public static DeterministicRandom FromState(IReadOnlyList<ulong> state)
    {
        if (state is null || state.Count != 6) throw new ArgumentException("a random state has 6 words", nameof(state));
        if ((state[0] | state[1] | state[2] | state[3]) == 0) throw new ArgumentException("an all-zero xoshiro state is invalid", nameof(state));
        var random = new DeterministicRandom(0)
        {
            _s0 = state[0],
            _s1 = state[1],
            _s2 = state[2],
            _s3 = state[3],
            _spareNormal = state[4] != 0 ? BitConverter.Int64BitsToDouble((long)state[5]) : null,
        };
        return random;
    }

    /// <summary>A seed for the item <paramref name="index"/> of a stream seeded by <paramref name="seed"/> (e.g. per-image noise).</summary>
    public static ulong Derive(ulong seed, ulong index)
    {
        var sm = seed ^ (0x9E3779B97F4A7C15UL * (index + 1));
        return SplitMix64(ref sm);
    }

    public ulong NextUInt64()
    {
        var result = RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [min, max).</summary>
    public double NextDouble(double min, double max) => min + (max - min) * NextDouble();

    /// <summary>Uniform integer in [0, exclusiveMax).</summary>
    public int NextInt(int exclusiveMax)
    {
        if (exclusiveMax <= 0) throw new ArgumentOutOfRangeException(nameof(exclusiveMax), exclusiveMax, "must be positive");
        // Lemire's multiply-shift; the bias is below 2^-32 for the sizes used here.
        return (int)(((NextUInt64() >> 32) * (ulong)exclusiveMax) >> 32);
    }

    /// <summary>Standard normal sample.</summary>
    public double NextGaussian()
    {
        if (_spareNormal is { } spare)
        {
            _spareNormal = null;
            return spare;
        }
        double u1;
        do u1 = NextDouble(); while (u1 <= double.Epsilon);
        var u2 = NextDouble();
        var radius = Math.Sqrt(-2.0 * Math.Log(u1));
        var angle = 2.0 * Math.PI * u2;
        _spareNormal = radius * Math.Sin(angle);
        return radius * Math.Cos(angle);
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

    private static ulong SplitMix64(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
