"""hinas metrics / degrade vs independent implementations. Usage: check.py "HINAS COMMAND" PHOTO_DIR"""
import json, math, os, shlex, subprocess, sys, tempfile
import numpy as np
from PIL import Image
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

HINAS = shlex.split(sys.argv[1])
PHOTOS = [os.path.join(sys.argv[2], p) for p in ("baboon.jpg", "butterfly.jpg", "fruits.jpg", "building.jpg", "home.jpg")]
TMP = tempfile.mkdtemp()


def hinas(*args):
    return subprocess.run(HINAS + list(args), check=True, capture_output=True, text=True).stdout


def keys_cubic(x):
    ax = np.abs(x)
    return (1.5 * ax**3 - 2.5 * ax**2 + 1) * (ax <= 1) + (-0.5 * ax**3 + 2.5 * ax**2 - 4 * ax + 2) * ((ax > 1) & (ax <= 2))


def weights(n_in, n_out, scale):
    width = 4.0 / scale if scale < 1 else 4.0
    u = np.arange(1, n_out + 1) / scale + 0.5 * (1 - 1 / scale)
    idx = np.floor(u - width / 2)[:, None] + np.arange(math.ceil(width) + 2)[None, :]
    w = scale * keys_cubic(scale * (u[:, None] - idx)) if scale < 1 else keys_cubic(u[:, None] - idx)
    mirror = np.concatenate([np.arange(n_in), np.arange(n_in - 1, -1, -1)])
    return w / w.sum(1, keepdims=True), mirror[np.mod(idx.astype(int) - 1, 2 * n_in)]


def imresize(img, scale):
    """MATLAB imresize(img, scale, 'bicubic') in float64 (rows, then columns)."""
    x = img.astype(np.float64)
    h, w = x.shape[:2]
    wr, ir = weights(h, math.ceil(h * scale), scale)
    wc, ic = weights(w, math.ceil(w * scale), scale)
    x = np.einsum("ok,ok...->o...", wr, x[ir])
    x = np.einsum("ok,ok...->o...", wc, np.swapaxes(x, 0, 1)[ic])
    return np.swapaxes(x, 0, 1)


def luma(rgb):
    return 16 + (65.481 * rgb[..., 0] + 128.553 * rgb[..., 1] + 24.966 * rgb[..., 2]) / 255


def reference_metrics(a, b, y_channel, shave):
    a, b = a.astype(np.float64), b.astype(np.float64)
    if shave:
        a, b = a[shave:-shave, shave:-shave], b[shave:-shave, shave:-shave]
    if y_channel and a.ndim == 3:
        a, b = luma(a), luma(b)
    kw = dict(gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=255)
    if a.ndim == 3:
        kw["channel_axis"] = 2
    return peak_signal_noise_ratio(a, b, data_range=255), structural_similarity(a, b, **kw)


def psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return math.inf if mse == 0 else 10 * math.log10(255**2 / mse)


worst_psnr = worst_ssim = 0.0
worst_resize = math.inf
print(f"{'photo':14s} {'case':22s} {'hinas PSNR/SSIM':>20s} {'skimage PSNR/SSIM':>20s}")
for photo in PHOTOS:
    name = os.path.basename(photo)
    rgb = np.array(Image.open(photo).convert("RGB"))
    gray_path = os.path.join(TMP, "gray.png")
    Image.fromarray(np.array(Image.open(photo).convert("L"))).save(gray_path)
    cases = []
    # Denoising: RGB and gray, σ 25.
    for src, label in ((photo, "rgb σ25"), (gray_path, "gray σ25")):
        out = os.path.join(TMP, f"noisy-{label[:4].strip()}.png")
        hinas("degrade", src, out, "--noise-sigma", "25", "--seed", "3")
        cases.append((label, src, out, False, 0))
    # SR ×2/×4: HR cropped to a multiple of the scale, bicubic down and up, Y channel, shave = scale.
    for k in (2, 4):
        h, w = rgb.shape[0] // k * k, rgb.shape[1] // k * k
        hr = os.path.join(TMP, f"hr{k}.png")
        Image.fromarray(rgb[:h, :w]).save(hr)
        lr, sr = os.path.join(TMP, f"lr{k}.png"), os.path.join(TMP, f"sr{k}.png")
        hinas("degrade", hr, lr, "--downscale", str(k))
        hinas("degrade", lr, sr, "--upscale", str(k))
        ours_lr = np.array(Image.open(lr))
        expected_lr = np.clip(np.round(imresize(rgb[:h, :w], 1 / k)), 0, 255)
        worst_resize = min(worst_resize, psnr(ours_lr, expected_lr))
        expected_sr = np.clip(np.round(imresize(ours_lr, k)), 0, 255)
        worst_resize = min(worst_resize, psnr(np.array(Image.open(sr)), expected_sr))
        cases.append((f"bicubic x{k} Y shave {k}", hr, sr, True, k))
    for label, ref_path, test_path, y_channel, shave in cases:
        args = ["metrics", ref_path, test_path, "--json", "--shave", str(shave)] + (["--y-channel"] if y_channel else [])
        ours = json.loads(hinas(*args))
        rp, rs = reference_metrics(np.array(Image.open(ref_path)), np.array(Image.open(test_path)), y_channel, shave)
        worst_psnr, worst_ssim = max(worst_psnr, abs(ours["psnr"] - rp)), max(worst_ssim, abs(ours["ssim"] - rs))
        print(f"{name:14s} {label:22s} {ours['psnr']:9.4f}/{ours['ssim']:.5f} {rp:9.4f}/{rs:.5f}")
print(f"max |ΔPSNR| = {worst_psnr:.2e} dB, max |ΔSSIM| = {worst_ssim:.2e}, "
      f"hinas degrade vs NumPy imresize: lowest PSNR {worst_resize:.1f} dB")
