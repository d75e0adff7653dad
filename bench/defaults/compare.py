#!/usr/bin/env python3
"""Default denoisers against the classical filters a user would reach for, on the same 8-bit noisy frames.

For every image set, channel count (gray, RGB) and noise σ: the clean images (gray by OpenCV's BT.601 conversion)
get Gaussian noise of σ on [0, 255], seeded per image and σ, rounded and clipped to 8 bits — what a real frame
carries. Each method restores those same files:
  - ours: `hinas restore FOLDER` with the default model (ONNX Runtime, the server's engine), given σ when the model
    takes the noise level (--sigma; a blind model is not);
  - OpenCV non-local means (fastNlMeansDenoising / …Colored, 7×7 patches, 21×21 search) at the best h of a grid
    around σ, chosen per set and σ on these very images (the most favourable choice for NL-means);
  - OpenCV Gaussian blur at the best kernel σ of a grid, likewise.
PSNR and SSIM come from `hinas metrics` (the repository's one implementation). Speed is the median time per
frame on the set named by --timing-set (640×360 frames), NL-means with cv2.setNumThreads(--threads, default 2),
ours as the server runs it (one ONNX Runtime thread per processor: 2 on this project's machines), one after the
other in this run.
Prints one JSON object per row and a Markdown table. The peer's code runs; none of it is copied.
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

import cv2
import numpy as np


def images(folder):
    return sorted(f for f in os.listdir(folder) if f.lower().endswith((".png", ".jpg", ".jpeg", ".bmp")))


def write_clean(source, target, gray):
    os.makedirs(target, exist_ok=True)
    names = []
    for name in images(source):
        image = cv2.imread(os.path.join(source, name), cv2.IMREAD_COLOR)
        if gray:
            image = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        stem = os.path.splitext(name)[0] + ".png"
        cv2.imwrite(os.path.join(target, stem), image)
        names.append(stem)
    return names


def write_noisy(clean_dir, target, names, sigma):
    os.makedirs(target, exist_ok=True)
    for index, name in enumerate(names):
        clean = cv2.imread(os.path.join(clean_dir, name), cv2.IMREAD_UNCHANGED).astype(np.float64)
        rng = np.random.default_rng([int(sigma * 1000), index])
        noisy = np.clip(np.round(clean + rng.normal(0.0, sigma, clean.shape)), 0, 255).astype(np.uint8)
        cv2.imwrite(os.path.join(target, name), noisy)


def metrics(hinas, clean_dir, test_dir):
    out = subprocess.run(hinas + ["metrics", clean_dir, test_dir, "--json"], check=True, capture_output=True, text=True).stdout
    result = json.loads(out)
    return result["psnr"], result["ssim"]


def filter_folder(noisy_dir, target, names, apply):
    os.makedirs(target, exist_ok=True)
    times = []
    for name in names:
        noisy = cv2.imread(os.path.join(noisy_dir, name), cv2.IMREAD_UNCHANGED)
        start = time.perf_counter()
        restored = apply(noisy)
        times.append((time.perf_counter() - start) * 1000)
        cv2.imwrite(os.path.join(target, name), restored)
    return statistics.median(times)


def nl_means(h, gray):
    if gray:
        return lambda x: cv2.fastNlMeansDenoising(x, None, h, 7, 21)
    return lambda x: cv2.fastNlMeansDenoisingColored(x, None, h, h, 7, 21)


def gaussian(s):
    return lambda x: cv2.GaussianBlur(x, (0, 0), s)


def best_of(hinas, clean_dir, noisy_dir, work, names, label, params, make):
    """The parameter of the grid with the best mean PSNR: (param, psnr, ssim, median ms)."""
    best = None
    for p in params:
        folder = os.path.join(work, f"{label}-{p:g}")
        ms = filter_folder(noisy_dir, folder, names, make(p))
        psnr, ssim = metrics(hinas, clean_dir, folder)
        shutil.rmtree(folder)
        if best is None or psnr > best[1]:
            best = (p, psnr, ssim, ms)
    return best


def takes_noise_level(repository, model):
    with open(os.path.join(repository, model, "manifest.json")) as f:
        return "noise_level_input" in json.load(f)


def ours(hinas, repository, model, noisy_dir, target, sigma):
    """A model told the noise is given the frames' σ (as NL-means is given its best h per σ); a blind one is not."""
    told = ["--sigma", f"{sigma:g}"] if takes_noise_level(repository, model) else []
    out = subprocess.run(hinas + ["restore", noisy_dir, target, "--model", model, "--repository", repository] + told,
                         check=True, capture_output=True, text=True).stdout
    return float(re.search(r"median ([0-9.]+) ms", out).group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hinas", required=True, help="the hinas command, e.g. 'dotnet …/hinas.dll'")
    parser.add_argument("--repository", required=True, help="folder of model packages")
    parser.add_argument("--gray-model", default="denoise-gray")
    parser.add_argument("--rgb-model", default="denoise-rgb")
    parser.add_argument("--set", action="append", required=True, help="NAME=FOLDER of clean images (repeatable)")
    parser.add_argument("--sigmas", default="15,25,50")
    parser.add_argument("--channels", default="gray,rgb", help="gray, rgb or both")
    parser.add_argument("--timing-set", help="the set of 640×360 frames whose times are reported")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--work", required=True)
    args = parser.parse_args()

    hinas = args.hinas.split()
    cv2.setNumThreads(args.threads)
    sigmas = [float(s) for s in args.sigmas.split(",")]
    rows = []
    for spec in args.set:
        name, folder = spec.split("=", 1)
        for gray in [c == "gray" for c in args.channels.split(",")]:
            channels = "gray" if gray else "rgb"
            model = args.gray_model if gray else args.rgb_model
            base = os.path.join(args.work, name, channels)
            clean_dir = os.path.join(base, "clean")
            names = write_clean(folder, clean_dir, gray)
            for sigma in sigmas:
                noisy_dir = os.path.join(base, f"noisy{sigma:g}")
                write_noisy(clean_dir, noisy_dir, names, sigma)
                row = {"set": name, "channels": channels, "sigma": sigma, "images": len(names)}
                row["noisy_psnr"], row["noisy_ssim"] = metrics(hinas, clean_dir, noisy_dir)
                ours_dir = os.path.join(base, f"ours{sigma:g}")
                row["ours_ms"] = ours(hinas, args.repository, model, noisy_dir, ours_dir, sigma)
                row["ours_psnr"], row["ours_ssim"] = metrics(hinas, clean_dir, ours_dir)
                row["ours_model"] = model
                grid = [round(sigma * f, 1) for f in (0.4, 0.6, 0.8, 1.0, 1.2)]
                row["nlm_h"], row["nlm_psnr"], row["nlm_ssim"], row["nlm_ms"] = best_of(
                    hinas, clean_dir, noisy_dir, base, names, "nlm", grid, lambda h: nl_means(h, gray))
                row["gauss_sigma"], row["gauss_psnr"], row["gauss_ssim"], row["gauss_ms"] = best_of(
                    hinas, clean_dir, noisy_dir, base, names, "gauss", [0.6, 0.9, 1.3, 1.8, 2.5], gaussian)
                print(json.dumps(row), flush=True)
                rows.append(row)

    print()
    print("| set | channels | σ | noisy | ours (PSNR / SSIM) | NL-means best h | NL-means | ours − NL-means | Gaussian best | ours ms | NL-means ms | speed ×|")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        speed = (f"{r['ours_ms']:.1f} | {r['nlm_ms']:.1f} | {r['nlm_ms'] / r['ours_ms']:.1f}"
                 if r["set"] == args.timing_set else "– | – | –")
        print(f"| {r['set']} | {r['channels']} | {r['sigma']:g} | {r['noisy_psnr']:.2f} | {r['ours_psnr']:.2f} / {r['ours_ssim']:.3f} "
              f"| {r['nlm_h']:g} | {r['nlm_psnr']:.2f} / {r['nlm_ssim']:.3f} | {r['ours_psnr'] - r['nlm_psnr']:+.2f} "
              f"| {r['gauss_psnr']:.2f} (σ {r['gauss_sigma']:g}) | {speed} |")

if __name__ == "__main__":
    sys.exit(main())
