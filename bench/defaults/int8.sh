#!/usr/bin/env bash
# int8 against float for each default model (issue 18's must-show): each model's training run (models/build.sh's
# WORK_DIR) is exported again with `--int8` (calibration and quantization-aware tuning on its own training images;
# the tolerance lifted so that the package is always written and the difference reported), then both packages are
# evaluated by the standard protocol on the photo evaluation set (denoisers at σ 15, 25, 50; upscalers on Y, shaved)
# and on the rendered evaluation frames, and timed side by side at 640×360 (interleaved rounds).
# Usage: bench/defaults/int8.sh [BUILD_WORK_DIR=model-runs] [REPOSITORY=models] [WORK_DIR=/tmp/hinas-int8]
#   Environment: MODELS (default denoise-gray denoise-rgb sr-x2-rgb sr-x4-rgb), TUNING_STEPS (default 1000),
#   INT8_ARGS (more `hinas export` options for every model, e.g. "--int8-float-head 1"; a WORK_DIR keeps its packages)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="$(realpath "${1:-model-runs}")"
repository="$(realpath "${2:-models}")"
work="${3:-/tmp/hinas-int8}"
photos="${PHOTOS:-$HOME/.cache/hinas/photos}"
[ -f "$photos/manifest.json" ] || bash data/photos/collect.sh "$photos"
dotnet build src/HiNas.Cli -c Release -nologo -clp:ErrorsOnly >/dev/null
dotnet build bench/latency -c Release -nologo -clp:ErrorsOnly >/dev/null
hinas=(dotnet src/HiNas.Cli/bin/Release/net10.0/linux-x64/hinas.dll)
mkdir -p "$work"
[ -d "$work/rendered" ] || "${hinas[@]}" dataset rendered "$work/rendered" --count 24 --size 640x360 >/dev/null

packages=()
for id in ${MODELS:-denoise-gray denoise-rgb sr-x2-rgb sr-x4-rgb}; do
  [ -f "$repository/$id/manifest.json" ] || { echo "bench/defaults: no package $repository/$id" >&2; exit 2; }
  # the training run the package was exported from (its manifest's producer), in BUILD_WORK_DIR
  train="$runs/$(/usr/bin/python3 -c 'import json, os, sys; print(os.path.basename(json.load(open(sys.argv[1]))["producer"].split(" from ", 1)[1]))' "$repository/$id/manifest.json")"
  [ -f "$work/$id-int8/manifest.json" ] || "${hinas[@]}" export --checkpoint "$train" --out "$work/$id-int8" --id "$id-int8" \
    --int8 --int8-tuning-steps "${TUNING_STEPS:-1000}" --int8-tolerance-db 100 ${INT8_ARGS:-} --force >&2
  sigmas="15 25 50"; case "$id" in sr-*) sigmas="-";; esac
  for precision in float int8; do
    package="$repository/$id"; [ "$precision" = int8 ] && package="$work/$id-int8"
    for set in photos rendered; do
      data="$photos/evaluation"; [ "$set" = rendered ] && data="$work/rendered"
      for sigma in $sigmas; do
        out="$work/$id-$precision-$set-s$sigma.json"
        sigma_args=(); [ "$sigma" != - ] && sigma_args=(--sigma "$sigma")
        [ -f "$out" ] || "${hinas[@]}" eval --model "$package" --data "$data" "${sigma_args[@]}" --json > "$out"
      done
    done
  done
  packages+=("$repository/$id" "$work/$id-int8")
done
dotnet bench/latency/bin/Release/net10.0/linux-x64/HiNas.Bench.Latency.dll packages 640x360 5 "${packages[@]}" > "$work/latency.jsonl"

/usr/bin/python3 - "$work" <<'PY'
import glob, json, os, sys
work = sys.argv[1]
ms = {os.path.basename(json.loads(l)["package"]): json.loads(l)["measured_ms"] for l in open(os.path.join(work, "latency.jsonl"))}
print("| model | set | σ | float PSNR | int8 PSNR | int8 − float | float ms | int8 ms | speed × |")
print("|---|---|---|---|---|---|---|---|---|")
for path in sorted(glob.glob(os.path.join(work, "*-float-*.json"))):
    name = os.path.basename(path)[:-5]
    model, rest = name.split("-float-")
    data_set, sigma = rest.rsplit("-s", 1)
    f = json.load(open(path))["psnr"]
    q = json.load(open(path.replace("-float-", "-int8-")))["psnr"]
    fm, qm = ms[model], ms[model + "-int8"]
    print(f"| {model} | {data_set} | {sigma} | {f:.2f} | {q:.2f} | {q - f:+.2f} | {fm:.1f} | {qm:.1f} | {fm / qm:.2f} |")
PY
