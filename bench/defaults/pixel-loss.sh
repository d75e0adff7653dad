#!/usr/bin/env bash
# Which pixel loss for a denoiser told σ 0–50? The gray default's genotype, data and schedule trained twice, told the
# noise: with the paper's batch MSE and with the per-sample log-MSE (`--pixel-loss log-mse`: each sample's error in
# decibels, so the noisiest samples of a batch do not rule it), both evaluated by `hinas eval` at σ 15, 25 and 50 on
# the photo evaluation set and on the rendered evaluation frames (24 at 640×360, the scenes bench/defaults uses).
# Usage: bench/defaults/pixel-loss.sh [WORK_DIR=/tmp/hinas-pixel-loss] [RUNS=model-runs]   Knobs: ITERATIONS (4000)
# About 25 minutes on 2 cores; resumable. See bench/defaults/README.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
work="$(realpath -m "${1:-/tmp/hinas-pixel-loss}")"
runs="$(realpath -m "${2:-model-runs}")"
source bench/defaults/gray-variants.sh
[ -d "$work/rendered" ] || "${hinas[@]}" dataset rendered "$work/rendered" --count 24 --size 640x360 >/dev/null
common=("${gray_variant[@]}" --noise-map --iterations "${ITERATIONS:-4000}")
resumable_step train "$work/mse" summary.json "${common[@]}" --pixel-loss mse
resumable_step train "$work/log-mse" summary.json "${common[@]}" --pixel-loss log-mse
printf '| set | σ | mse (PSNR / SSIM) | log-mse (PSNR / SSIM) | log-mse − mse |\n|---|---|---|---|---|\n'
for set in photos rendered; do
  data="$photos/evaluation"; [ "$set" = rendered ] && data="$work/rendered"
  for sigma in 15 25 50; do
    row=()
    for variant in mse log-mse; do
      row+=("$("${hinas[@]}" eval --checkpoint "$work/$variant" --data "$data" --sigma "$sigma" --json | python3 -c 'import sys, json; d = json.load(sys.stdin); print(d["psnr"], d["ssim"])')")
    done
    python3 - "$set" "$sigma" "${row[@]}" <<'PY'
import sys
name, sigma, a, b = sys.argv[1], sys.argv[2], [float(v) for v in sys.argv[3].split()], [float(v) for v in sys.argv[4].split()]
print(f"| {name} | {sigma} | {a[0]:.2f} / {a[1]:.3f} | {b[0]:.2f} / {b[1]:.3f} | {b[0] - a[0]:+.2f} |")
PY
  done
done
