using System.Numerics;
using HiNas.Imaging.Pixels;
using HiNas.Imaging.Randomness;

namespace HiNas.Imaging.Datasets.Rendered;

/// <summary>
/// Renders game-like frames (<see cref="RenderedScene"/>) by ray tracing: Lambert and Blinn–Phong shading under one sun
/// and the sky's ambient light, hard shadows, one mirror bounce, exponential fog toward the horizon colour, 3×3
/// supersampling (the anti-aliased edges of a game's output), gamma 2.2, then a HUD of flat, hard-edged panels (a bar
/// with a border, a translucent map panel, a crosshair). The same seed and size give the same image.
/// </summary>
public static class SceneRenderer
{
    private const int Samples = 3;

    public static PlanarImage Render(int width, int height, int channels, ulong seed)
    {
        if (width < 8 || height < 8) throw new ArgumentOutOfRangeException(nameof(width), $"{width}×{height}: rendered frames are at least 8×8");
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), channels, "channels must be 1 or 3");
        var scene = RenderedScene.Draw(seed);
        var rgb = new PlanarImage(3, height, width);
        var plane = width * height;
        var aspect = (float)width / height;
        Parallel.For(0, height, y =>
        {
            for (var x = 0; x < width; x++)
            {
                var sum = Vector3.Zero;
                for (var sy = 0; sy < Samples; sy++)
                    for (var sx = 0; sx < Samples; sx++)
                    {
                        var u = ((x + (sx + 0.5f) / Samples) / width * 2 - 1) * scene.TanHalfFov * aspect;
                        var v = (1 - (y + (sy + 0.5f) / Samples) / height * 2) * scene.TanHalfFov;
                        sum += Trace(scene, scene.Eye, Vector3.Normalize(scene.Forward + u * scene.Right + v * scene.Up), bounces: 1);
                    }
                var c = sum / (Samples * Samples);
                var i = y * width + x;
                rgb.Data[i] = Encode(c.X);
                rgb.Data[plane + i] = Encode(c.Y);
                rgb.Data[2 * plane + i] = Encode(c.Z);
            }
        });
        DrawHud(rgb, new DeterministicRandom(DeterministicRandom.Derive(seed, 0x4855_44)));
        return channels == 3 ? rgb : ColorConversion.RgbToGray(rgb);
    }

    private static float Encode(float linear) => MathF.Pow(Math.Clamp(linear, 0f, 1f), 1 / 2.2f);

    private static Vector3 Trace(RenderedScene scene, Vector3 origin, Vector3 direction, int bounces)
    {
        var hit = Nearest(scene, origin, direction, float.PositiveInfinity);
        if (hit is not { } h) return Sky(scene, direction);
        var point = origin + h.Distance * direction;
        var normal = Vector3.Dot(h.Normal, direction) > 0 ? -h.Normal : h.Normal;
        var albedo = h.Material.ColourAt(point);
        var ambient = Vector3.Lerp(scene.Horizon, scene.Zenith, 0.5f + 0.5f * normal.Y) * 0.3f;
        var lit = Nearest(scene, point + normal * 1e-3f, scene.SunDirection, float.PositiveInfinity) is null;
        var diffuse = lit ? MathF.Max(0, Vector3.Dot(normal, scene.SunDirection)) : 0f;
        var halfway = Vector3.Normalize(scene.SunDirection - direction);
        var specular = lit && diffuse > 0 ? h.Material.Specular * MathF.Pow(MathF.Max(0, Vector3.Dot(normal, halfway)), h.Material.Shininess) : 0f;
        var colour = albedo * (ambient + diffuse * scene.SunColour) + specular * scene.SunColour;
        if (bounces > 0 && h.Material.Reflectivity > 0)
        {
            var reflected = direction - 2 * Vector3.Dot(direction, normal) * normal;
            colour = Vector3.Lerp(colour, Trace(scene, point + normal * 1e-3f, reflected, bounces - 1), h.Material.Reflectivity);
        }
        var fog = 1 - MathF.Exp(-scene.FogDensity * h.Distance);
        return Vector3.Lerp(colour, scene.Horizon, fog);
    }

    private static Hit? Nearest(RenderedScene scene, Vector3 origin, Vector3 direction, float limit)
    {
        Hit? nearest = null;
        foreach (var shape in scene.Shapes)
            if (shape.Intersect(origin, direction, nearest?.Distance ?? limit) is { } hit) nearest = hit;
        return nearest;
    }

    private static Vector3 Sky(RenderedScene scene, Vector3 direction)
    {
        var up = MathF.Max(0, direction.Y);
        var sky = Vector3.Lerp(scene.Horizon, scene.Zenith, MathF.Pow(up, 0.6f));
        var sun = MathF.Max(0, Vector3.Dot(direction, scene.SunDirection));
        return sky + scene.SunColour * (MathF.Pow(sun, 400) * 4 + MathF.Pow(sun, 12) * 0.25f);
    }

    /// <summary>A game's overlay: a status bar (border, filled part with a gradient), a translucent map panel, a crosshair.</summary>
    private static void DrawHud(PlanarImage image, DeterministicRandom r)
    {
        var (w, h) = (image.Width, image.Height);
        float[] Colour() => new[] { (float)r.NextDouble(0.1, 1), (float)r.NextDouble(0.1, 1), (float)r.NextDouble(0.1, 1) };
        void Fill(int x0, int y0, int x1, int y1, Func<int, int, float[]> colour, float opacity)
        {
            for (var y = Math.Max(0, y0); y < Math.Min(h, y1); y++)
                for (var x = Math.Max(0, x0); x < Math.Min(w, x1); x++)
                {
                    var c = colour(x, y);
                    for (var k = 0; k < 3; k++) image[k, y, x] = (1 - opacity) * image[k, y, x] + opacity * c[k];
                }
        }
        var unit = Math.Max(1, h / 60);
        // status bar at the bottom left
        var (bx, by, bw, bh) = (4 * unit, h - 7 * unit, w / 4, 3 * unit);
        var (border, full, empty) = (Colour(), Colour(), Colour());
        var filled = (int)(bw * r.NextDouble(0.2, 1));
        Fill(bx - unit, by - unit, bx + bw + unit, by + bh + unit, (_, _) => border, 1);
        Fill(bx, by, bx + bw, by + bh, (x, _) => x - bx < filled ? full.Select(v => v * (0.6f + 0.4f * (x - bx) / bw)).ToArray() : empty, 1);
        // translucent map panel at the top right
        var side = h / 5;
        var (panel, mark) = (Colour(), Colour());
        Fill(w - side - 4 * unit, 4 * unit, w - 4 * unit, 4 * unit + side, (_, _) => panel, (float)r.NextDouble(0.4, 0.8));
        Fill(w - side / 2 - 4 * unit - unit, 4 * unit + side / 2 - unit, w - side / 2 - 4 * unit + unit, 4 * unit + side / 2 + unit, (_, _) => mark, 1);
        // crosshair
        var cross = Colour();
        var (cx, cy, arm) = (w / 2, h / 2, 3 * unit);
        Fill(cx - arm, cy, cx + arm + 1, cy + 1, (_, _) => cross, 1);
        Fill(cx, cy - arm, cx + 1, cy + arm + 1, (_, _) => cross, 1);
    }
}
