#!/usr/bin/env bash
# The default upscalers against bicubic (issue 18's must-show: ×2 from 640×360 to 1280×720 ≥ bicubic + 1.0 dB; ×4 too):
# `hinas eval` of each package (ONNX Runtime, as the server runs it) by the standard protocol — the high-resolution
# image downscaled by MATLAB's bicubic, PSNR/SSIM on Y with the scale's border shaved — beside bicubic upscaling of
# the same input, on the photo evaluation set and on rendered game-like frames (24 at 1280×720, so that ×2 restores
# 640×360 frames and ×4 320×180 ones; scenes disjoint from the training frames).
# Usage: bench/defaults/sr.sh [REPOSITORY=models] [WORK_DIR=/tmp/hinas-sr]   Knobs: MODELS (default sr-x2-rgb sr-x4-rgb)
set -euo pipefail
cd "$(dirname "$0")/../.."
repository="$(realpath "${1:-models}")"
work="${2:-/tmp/hinas-sr}"
photos="${PHOTOS:-$HOME/.cache/hinas/photos}"
[ -f "$photos/manifest.json" ] || bash data/photos/collect.sh "$photos"
dotnet build src/HiNas.Cli -c Release -nologo -clp:ErrorsOnly >/dev/null
hinas=(dotnet src/HiNas.Cli/bin/Release/net10.0/linux-x64/hinas.dll)
mkdir -p "$work"
[ -d "$work/rendered" ] || "${hinas[@]}" dataset rendered "$work/rendered" --count 24 --size 1280x720 >/dev/null
printf '| model | set | images | bicubic (PSNR / SSIM, Y) | ours (PSNR / SSIM, Y) | ours − bicubic | ours ms per image |\n|---|---|---|---|---|---|---|\n'
for id in ${MODELS:-sr-x2-rgb sr-x4-rgb}; do
  [ -f "$repository/$id/manifest.json" ] || { echo "sr.sh: no package $repository/$id (models/build.sh makes it); its rows are left out" >&2; continue; }
  for set in photos rendered; do
    data="$photos/evaluation"; [ "$set" = rendered ] && data="$work/rendered"
    "${hinas[@]}" eval --model "$repository/$id" --data "$data" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
row = (sys.argv[1], sys.argv[2], d["images"], d["input_psnr"], d["input_ssim"], d["psnr"], d["ssim"], d["psnr"] - d["input_psnr"], d["ms_per_image"])
print("| %s | %s | %d | %.2f / %.3f | %.2f / %.3f | %+.2f | %.1f |" % row)' "$id" "$set"
  done
done
