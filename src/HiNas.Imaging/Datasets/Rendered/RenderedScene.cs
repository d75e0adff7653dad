using System.Numerics;
using HiNas.Imaging.Randomness;

namespace HiNas.Imaging.Datasets.Rendered;

/// <summary>
/// A game-like 3D scene drawn from a seed: a textured ground (tiles, bricks, stripes, noise or flat), a sky gradient
/// with a sun, 4–14 spheres and boxes (some tall like pillars and walls) in flat colours or procedural textures, some
/// of them glossy or mirror-like, one directional light with hard shadows, and distance fog — the flat shaded
/// surfaces, hard edges, gradients and highlights rendered frames are made of.
/// </summary>
internal sealed class RenderedScene
{
    public required Vector3 Eye { get; init; }
    public required Vector3 Forward { get; init; }
    public required Vector3 Right { get; init; }
    public required Vector3 Up { get; init; }
    public required float TanHalfFov { get; init; }
    public required Vector3 SunDirection { get; init; }
    public required Vector3 SunColour { get; init; }
    public required Vector3 Horizon { get; init; }
    public required Vector3 Zenith { get; init; }
    public required float FogDensity { get; init; }
    public required IReadOnlyList<Shape> Shapes { get; init; }

    public static RenderedScene Draw(ulong seed)
    {
        var r = new DeterministicRandom(seed);
        float U(double lo, double hi) => (float)r.NextDouble(lo, hi);
        Vector3 Colour() => HsvToLinear(U(0, 1), U(0.2, 0.9), U(0.35, 1));
        Material Surface(bool ground)
        {
            var texture = (SurfaceTexture)r.NextInt(5);
            var first = Colour();
            var second = texture == SurfaceTexture.Bricks ? first * U(0.2, 0.5) + new Vector3(U(0, 0.1)) : r.NextDouble() < 0.5 ? first * U(0.3, 0.7) : Colour();
            var mirror = !ground && r.NextDouble() < 0.2;
            return new Material(first, second, texture, U(0.5, ground ? 3 : 1.5), mirror ? 0.8f : U(0, 0.6), U(8, 96), mirror ? U(0.3, 0.8) : 0f);
        }

        var eye = new Vector3(U(-2, 2), U(0.8, 3.5), 0);
        var target = new Vector3(U(-4, 4), U(0.3, 1.5), U(8, 16));
        var forward = Vector3.Normalize(target - eye);
        var right = Vector3.Normalize(Vector3.Cross(Vector3.UnitY, forward));
        var up = Vector3.Cross(forward, right);
        var elevation = U(0.25, 1.2);
        var azimuth = U(0, 2 * MathF.PI);
        var sun = Vector3.Normalize(new Vector3(MathF.Cos(elevation) * MathF.Cos(azimuth), MathF.Sin(elevation), MathF.Cos(elevation) * MathF.Sin(azimuth)));
        var horizon = HsvToLinear(U(0.05, 0.65), U(0.05, 0.4), U(0.6, 1));
        var zenith = HsvToLinear(U(0.55, 0.7), U(0.3, 0.8), U(0.3, 0.9));

        var shapes = new List<Shape> { new Ground(Surface(ground: true)) };
        var count = 4 + r.NextInt(11);
        for (var i = 0; i < count; i++)
        {
            var x = U(-9, 9);
            var z = U(3, 22);
            if (r.NextDouble() < 0.45)
            {
                var radius = U(0.3, 1.8);
                shapes.Add(new Sphere(new Vector3(x, radius * U(0.6, 1), z), radius, Surface(ground: false)));
            }
            else
            {
                var tall = r.NextDouble() < 0.35;
                var half = new Vector3(U(0.25, tall ? 0.6 : 2.2), tall ? U(1.5, 4) : U(0.2, 1.5), U(0.25, tall ? 0.6 : 2.2));
                shapes.Add(new Box(new Vector3(x, half.Y, z), half, U(0, MathF.PI), Surface(ground: false)));
            }
        }
        return new RenderedScene
        {
            Eye = eye, Forward = forward, Right = right, Up = up, TanHalfFov = MathF.Tan(U(0.45, 0.65)),
            SunDirection = sun, SunColour = new Vector3(U(0.9, 1.1), U(0.85, 1.0), U(0.7, 0.95)) * U(0.9, 1.3),
            Horizon = horizon, Zenith = zenith, FogDensity = U(0.002, 0.02), Shapes = shapes,
        };
    }

    /// <summary>Hue, saturation, value (of the sRGB colour, each in [0, 1]) as linear RGB.</summary>
    private static Vector3 HsvToLinear(float h, float s, float v)
    {
        float Channel(float n)
        {
            var k = (n + h * 6) % 6;
            return MathF.Pow(v - v * s * MathF.Max(0, MathF.Min(MathF.Min(k, 4 - k), 1)), 2.2f);
        }
        return new Vector3(Channel(5), Channel(3), Channel(1));
    }
}
