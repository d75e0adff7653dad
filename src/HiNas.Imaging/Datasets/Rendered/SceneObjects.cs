using System.Numerics;

namespace HiNas.Imaging.Datasets.Rendered;

/// <summary>How a surface looks: a colour or a procedural texture of two colours, its highlight and its mirror share.</summary>
internal sealed record Material(Vector3 Colour, Vector3 Second, SurfaceTexture Texture, float TextureScale, float Specular, float Shininess, float Reflectivity)
{
    /// <summary>The surface's colour at world point <paramref name="p"/> (linear RGB).</summary>
    public Vector3 ColourAt(Vector3 p)
    {
        var q = p / TextureScale;
        var t = Texture switch
        {
            SurfaceTexture.Flat => 0f,
            SurfaceTexture.Checker => ((int)MathF.Floor(q.X) + (int)MathF.Floor(q.Y + 1e-3f) + (int)MathF.Floor(q.Z)) % 2 == 0 ? 0f : 1f,
            SurfaceTexture.Stripes => MathF.Floor(q.X + q.Z) % 2 == 0 ? 0f : 1f,
            SurfaceTexture.Bricks => Bricks(q),
            SurfaceTexture.Noise => ValueNoise.Fractal(q * 2f),
            _ => 0f,
        };
        return Vector3.Lerp(Colour, Second, t);
    }

    /// <summary>Mortar lines (the second colour) between rows of bricks offset by half a brick every other row.</summary>
    private static float Bricks(Vector3 q)
    {
        var row = MathF.Floor(q.Y * 4f);
        var u = (q.X + q.Z) * 2f + (row % 2 == 0 ? 0f : 0.5f);
        var (fu, fv) = (u - MathF.Floor(u), q.Y * 4f - row);
        return fu < 0.06f || fv < 0.1f ? 1f : 0f;
    }
}

internal enum SurfaceTexture { Flat, Checker, Stripes, Bricks, Noise }

/// <summary>A ray's nearest hit: distance, surface normal, what it hit.</summary>
internal readonly record struct Hit(float Distance, Vector3 Normal, Material Material);

/// <summary>Something a ray can hit.</summary>
internal abstract record Shape(Material Material)
{
    /// <summary>The hit nearer than <paramref name="limit"/>, if any.</summary>
    public abstract Hit? Intersect(Vector3 origin, Vector3 direction, float limit);
}

/// <summary>The ground: the plane y = 0, seen from above.</summary>
internal sealed record Ground(Material Material) : Shape(Material)
{
    public override Hit? Intersect(Vector3 origin, Vector3 direction, float limit)
    {
        if (direction.Y > -1e-6f) return null;
        var t = -origin.Y / direction.Y;
        return t > 1e-4f && t < limit ? new Hit(t, Vector3.UnitY, Material) : null;
    }
}

internal sealed record Sphere(Vector3 Centre, float Radius, Material Material) : Shape(Material)
{
    public override Hit? Intersect(Vector3 origin, Vector3 direction, float limit)
    {
        var oc = origin - Centre;
        var b = Vector3.Dot(oc, direction);
        var c = oc.LengthSquared() - Radius * Radius;
        var d = b * b - c;
        if (d < 0) return null;
        var s = MathF.Sqrt(d);
        var t = -b - s;
        if (t <= 1e-4f) t = -b + s;
        if (t <= 1e-4f || t >= limit) return null;
        return new Hit(t, Vector3.Normalize(origin + t * direction - Centre), Material);
    }
}

/// <summary>A box standing on the ground, turned by <paramref name="Yaw"/> radians about the vertical.</summary>
internal sealed record Box(Vector3 Centre, Vector3 HalfSize, float Yaw, Material Material) : Shape(Material)
{
    public override Hit? Intersect(Vector3 origin, Vector3 direction, float limit)
    {
        var (cos, sin) = (MathF.Cos(Yaw), MathF.Sin(Yaw));
        Vector3 ToBox(Vector3 v) => new(cos * v.X + sin * v.Z, v.Y, -sin * v.X + cos * v.Z);
        var o = ToBox(origin - Centre);
        var d = ToBox(direction);
        float near = float.NegativeInfinity, far = float.PositiveInfinity;
        var axis = 0;
        for (var a = 0; a < 3; a++)
        {
            var (oa, da, h) = (o[a], d[a], HalfSize[a]);
            if (MathF.Abs(da) < 1e-9f)
            {
                if (oa < -h || oa > h) return null;
                continue;
            }
            var (t0, t1) = ((-h - oa) / da, (h - oa) / da);
            if (t0 > t1) (t0, t1) = (t1, t0);
            if (t0 > near) (near, axis) = (t0, a);
            far = MathF.Min(far, t1);
            if (near > far) return null;
        }
        if (near <= 1e-4f || near >= limit) return null;
        var local = Vector3.Zero;
        local[axis] = d[axis] > 0 ? -1 : 1;
        var normal = new Vector3(cos * local.X - sin * local.Z, local.Y, sin * local.X + cos * local.Z);
        return new Hit(near, normal, Material);
    }
}

/// <summary>Smooth hashed value noise in [0, 1] and its fractal sum (grass, rock, plaster).</summary>
internal static class ValueNoise
{
    public static float Fractal(Vector3 p)
    {
        float sum = 0, amplitude = 0.5f;
        for (var octave = 0; octave < 4; octave++, p *= 2.03f, amplitude *= 0.5f) sum += amplitude * Smooth(p);
        return Math.Clamp(sum / 0.9375f, 0f, 1f);
    }

    private static float Smooth(Vector3 p)
    {
        var (ix, iy, iz) = ((int)MathF.Floor(p.X), (int)MathF.Floor(p.Y), (int)MathF.Floor(p.Z));
        var (fx, fy, fz) = (Fade(p.X - ix), Fade(p.Y - iy), Fade(p.Z - iz));
        float Corner(int dx, int dy, int dz) => Hash(ix + dx, iy + dy, iz + dz);
        float Lerp(float a, float b, float t) => a + (b - a) * t;
        var x00 = Lerp(Corner(0, 0, 0), Corner(1, 0, 0), fx);
        var x10 = Lerp(Corner(0, 1, 0), Corner(1, 1, 0), fx);
        var x01 = Lerp(Corner(0, 0, 1), Corner(1, 0, 1), fx);
        var x11 = Lerp(Corner(0, 1, 1), Corner(1, 1, 1), fx);
        return Lerp(Lerp(x00, x10, fy), Lerp(x01, x11, fy), fz);
    }

    private static float Fade(float t) => t * t * (3 - 2 * t);

    private static float Hash(int x, int y, int z)
    {
        var h = (uint)(x * 374761393 + y * 668265263 + z * 1274126177);
        h = (h ^ (h >> 13)) * 1274126177u;
        return ((h ^ (h >> 16)) & 0xFFFFFF) / 16777215f;
    }
}
