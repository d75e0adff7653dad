#!/usr/bin/env bash
# Builds the embedded default model packages in models/ from nothing but this repository: HiNAS searches on
# procedural dead leaves in a small search space (sized for real-time CPU serving), retraining, ONNX export.
#   denoise-gray   gray denoiser, trained blind on σ ∈ [0, 50] (validated at σ 25); restores colour frames per channel
#   denoise-rgb    RGB denoiser, trained blind on σ ∈ [0, 50]
#   sr-x2-rgb      ×2 RGB upscaler
# Usage: models/build.sh [WORK_DIR]   (about 20–30 minutes on 2 CPU cores; the packages replace those in models/)
# Size knobs (environment): LAYERS BLOCKS FILTERS STEM ITERATIONS
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-/tmp/hinas-default-models}"
layers="${LAYERS:-1}" blocks="${BLOCKS:-2}" filters="${FILTERS:-4}" stem="${STEM:-8}" iterations="${ITERATIONS:-3000}"
# the small space of the served defaults: separable dilated candidates, retrained as searched with the light head
space=(--layers "$layers" --blocks "$blocks" --filters "$filters" --stem-channels "$stem" --dilated-convs separable)
retrain=(--width-multiplier 1 --head light)
bash scripts/install-deps.sh  # tcmalloc, which the training commands run on
dotnet build src/HiNas.Cli -c Release -nologo -clp:ErrorsOnly >/dev/null
hinas=(dotnet src/HiNas.Cli/bin/Release/net10.0/linux-x64/hinas.dll)
rm -rf "$work" && mkdir -p "$work"

build() {
  local id="$1"; shift
  local -a task=("$@")
  echo "== $id: search" >&2
  "${hinas[@]}" search "${task[@]}" "${space[@]}" --data deadleaves --epochs 8 --warmup 2 --steps-per-epoch 40 --batch 8 --crop 48 --out "$work/$id-search" --json >/dev/null
  echo "== $id: train" >&2
  local -a extra=()
  [ "${task[1]}" = denoise ] && extra=(--sigma-range 0:50)
  "${hinas[@]}" train --genotype "$work/$id-search/genotype.json" "${retrain[@]}" "${extra[@]}" --data deadleaves:96x128 --iterations "$iterations" --batch 16 --crop 48 --validate-every 500 --out "$work/$id-train" --json >/dev/null
  echo "== $id: export" >&2
  rm -rf "models/$id"
  "${hinas[@]}" export --checkpoint "$work/$id-train" --out "models/$id" --id "$id"
}

build denoise-gray --task denoise --sigma 25 --channels 1
build denoise-rgb --task denoise --sigma 25 --channels 3
build sr-x2-rgb --task sr --scale 2 --channels 3
ls -l models/*/model.onnx
