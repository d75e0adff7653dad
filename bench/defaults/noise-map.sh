#!/usr/bin/env bash
# Blind or told the noise? The same genotype (the gray default's search), data and schedule trained twice over σ 0–50:
# blind (--sigma-range 0:50) and with FFDNet's noise-level map (--noise-map), then both evaluated on the photo
# evaluation set at σ 15, 25 and 50 by `hinas eval` (the told one is given the σ, as the server's requests give it).
# Usage: bench/defaults/noise-map.sh [WORK_DIR=/tmp/hinas-noise-map] [RUNS=model-runs]   Knobs: ITERATIONS (5000)
# About 15 minutes on 2 cores; resumable. See bench/defaults/README.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
work="$(realpath -m "${1:-/tmp/hinas-noise-map}")"
runs="$(realpath -m "${2:-model-runs}")"
source bench/defaults/gray-variants.sh
common=("${gray_variant[@]}" --iterations "${ITERATIONS:-5000}")
resumable_step train "$work/blind" summary.json "${common[@]}"
resumable_step train "$work/told" summary.json "${common[@]}" --noise-map
printf '| σ | blind (PSNR / SSIM) | told (PSNR / SSIM) | told − blind |\n|---|---|---|---|\n'
for sigma in 15 25 50; do
  row=()
  for variant in blind told; do
    row+=("$("${hinas[@]}" eval --checkpoint "$work/$variant" --data "$photos/evaluation" --sigma "$sigma" --json 2>/dev/null | python3 -c 'import sys, json; d = json.load(sys.stdin); print(d["psnr"], d["ssim"])')")
  done
  python3 - "$sigma" "${row[@]}" <<'PY'
import sys
sigma, blind, told = sys.argv[1], [float(v) for v in sys.argv[2].split()], [float(v) for v in sys.argv[3].split()]
print(f"| {sigma} | {blind[0]:.2f} / {blind[1]:.3f} | {told[0]:.2f} / {told[1]:.3f} | {told[0] - blind[0]:+.2f} |")
PY
done
