#!/usr/bin/env bash
# Default denoisers against OpenCV's non-local means (and a Gaussian blur) on the photo evaluation set and the rendered
# game-frame evaluation set at σ 15, 25, 50, gray and RGB, on the same 8-bit noisy files; speed on the rendered
# 640×360 frames, 2 threads each, in the same run. See bench/defaults/README.md.
# Usage: bench/defaults/run.sh [REPOSITORY=models] [WORK_DIR=/tmp/hinas-defaults]
#   Environment: GRAY_MODEL, RGB_MODEL (default denoise-gray, denoise-rgb), SIGMAS (default 15,25,50),
#   RENDERED (frames in the rendered set, default 24), CHANNELS (gray,rgb), PHOTOS (default ~/.cache/hinas/photos)
set -euo pipefail
cd "$(dirname "$0")/../.."
repository="$(realpath "${1:-models}")"
work="${2:-/tmp/hinas-defaults}"
photos="${PHOTOS:-$HOME/.cache/hinas/photos}"
py=/usr/bin/python3

"$py" -c "import cv2, numpy" 2>/dev/null || { sudo_=""; [ "$(id -u)" -ne 0 ] && sudo_="sudo"; $sudo_ apt-get install -y -q python3-opencv >/dev/null; }
[ -f "$photos/manifest.json" ] || bash data/photos/collect.sh "$photos"
dotnet build src/HiNas.Cli -c Release -nologo -clp:ErrorsOnly >/dev/null
hinas="dotnet $(pwd)/src/HiNas.Cli/bin/Release/net10.0/linux-x64/hinas.dll"
rm -rf "$work"
$hinas dataset rendered "$work/rendered-frames" --count "${RENDERED:-24}" --size 640x360 >/dev/null
"$py" bench/defaults/compare.py --hinas "$hinas" --repository "$repository" \
  --gray-model "${GRAY_MODEL:-denoise-gray}" --rgb-model "${RGB_MODEL:-denoise-rgb}" --sigmas "${SIGMAS:-15,25,50}" --channels "${CHANNELS:-gray,rgb}" \
  --set "photos=$photos/evaluation" --set "rendered=$work/rendered-frames" --timing-set rendered --threads 2 --work "$work"
