#!/usr/bin/env bash
# Builds the embedded default model packages in models/ from this repository and Debian's packages: HiNAS searches
# in the frame-time spaces (the search presets frame-time-*: the cells at a quarter of the pixels, or the ×4
# upscaler's at the input's) on the photo collection plus rendered game-like training frames (scenes disjoint from the
# rendered evaluation set), long retraining, ONNX export.
#   denoise-gray   gray denoiser for σ ∈ [0, 50], told each frame's σ (FFDNet's noise-level map; validated at σ 25);
#                  restores colour frames per channel. Searched in the fused frame-time space
#                  (`--preset frame-time-denoise-fused`: 5 layers of 48 channels at a quarter of the pixels) under a
#                  budget of DENOISE_GRAY_BUDGET_MS (default 45: bench/quality's gray σ 25 frame-time row's, FFDNet
#                  7 × 48's time by this machine's table and 5 %), band 0.9, its convolutions trained ×4 expanded:
#                  over NL-means +0.74/+1.05/+0.86 dB at σ 15/25/50 on the photographs and +2.63/+3.15/+2.72 on
#                  rendered frames, where trained as served it was +0.63/+0.97/+0.81 and +2.47/+2.93/+2.61, the
#                  paper-cell build +0.61/+0.83/+0.49 on the photographs (bench/defaults)
#   denoise-rgb    RGB denoiser for σ ∈ [0, 50], told each frame's σ; searched in the gray one's space under a budget
#                  of DENOISE_RGB_BUDGET_MS (default 45, the gray one's), band 0.9, its convolutions trained ×4
#                  expanded: over colour NL-means +3.10/+3.12/+1.90 dB at σ 15/25/50 on the photographs and
#                  +4.28/+5.04/+4.26 on rendered frames, where trained as served it was +2.97/+2.95/+1.69 and
#                  +3.82/+4.47/+3.53, the paper-cell build +2.87/+2.84/+1.59 and +3.09/+3.63/+2.98 (bench/defaults)
# (told rather than blind by measurement: bench/defaults/noise-map.sh, +0.3 to +1.6 dB on photographs; trained with
# the per-sample log-MSE loss rather than the paper's MSE + SSIM by measurement: bench/defaults/pixel-loss.sh,
# +0.9 to +2.6 dB on photographs and rendered frames)
#   sr-x2-rgb      ×2 RGB upscaler, searched under a latency budget of SR_X2_BUDGET_MS (default 23) per 640×360 input
#                  with this machine's latency table of the frame-time ×2 space (its separable head; bench/latency):
#                  23 ms so that server and client fit 30 frames/s on 2 shared cores (bench/serving); 28 ms gave 26
#                  (the budgeted search needs the cores to itself: its floor check and epochs measure ONNX Runtime)
#   sr-x4-rgb      ×4 RGB upscaler with its cells at the input's resolution (`--preset frame-time-sr-input`: 13 fused
#                  layers of 16 channels, a single-path search under a budget of SR_X4_BUDGET_MS, default 120, per
#                  640×360 input, band 0.9), retrained on patches of 48 input pixels (crop 192, batch 8), as
#                  bench/quality's ×4 frame-time row: bicubic + 1.00 dB on the photographs there, against + 0.87 for the
#                  quarter-resolution space at the same time. 120 ms so that server and client fit 30 frames/s from
#                  320×180 on 2 shared cores (31.7 served, bicubic + 1.07 dB); 157 (bench/quality's ×4 row's budget,
#                  about ESPCN 4 × 32's time) gave 26.6 at + 1.06 (bench/serving, 2026-12-06)
# Usage: models/build.sh [WORK_DIR=model-runs] [MODELS_DIR=models]   Each step resumes from its checkpoints and is skipped once done, so the script
# can be stopped and started again (or continued on another machine from a committed WORK_DIR at the same absolute
# path, with the photo collection at the same place: run options record absolute paths). About 2 hours per
# model on 2 CPU cores (search ~1 h at batch 4, crop 48; training ~1 h; the fused gray: table and search 11 min, training 18 min
# as served, expanded ×4 (the default) about 3.5 h on an AVX2-only machine, 2026-12-07;
# the fused RGB: table and search 6 min, training 25 min as served, expanded ×4 (the default) 2–3.3 h on an AVX2-only
# machine, 2026-12-07;
# the ×4: search 9 min, training 38–45 min, 2026-12-06); a
# finished model replaces its package in models/.
# Run one build (or training) at a time: two trainings on every core each, side by side on these 2 cores, ran 17×
# slower than one alone (1,190 against 70 iterations per minute, 2026-12-02: their threads wait for each other's).
# Knobs (environment): MODELS (default all four), SEARCH_ARGS (the paper-cell models'), ITERATIONS (default
# 20000), TRAIN_ARGS (all but the ×4's), DENOISE_GRAY_BUDGET_MS, DENOISE_RGB_BUDGET_MS, SR_X2_BUDGET_MS, SR_X4_BUDGET_MS,
# DENOISE_RGB_CONV_EXPANSION (default 4: the RGB denoiser's convolutions trained expanded, the served network the same;
# validation 35.83 dB against 35.32 trained as served, bench/latency "Conv expansion"), DENOISE_GRAY_CONV_EXPANSION
# (default 4, the same for the gray one: validation 36.52 dB against 36.38 trained as served)
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(realpath -m "${1:-model-runs}")"
out="$(realpath -m "${2:-models}")"
photos="${PHOTOS:-$HOME/.cache/hinas/photos}"
models="${MODELS:-denoise-gray denoise-rgb sr-x2-rgb sr-x4-rgb}"
search_args="${SEARCH_ARGS:---epochs 40 --warmup 8 --batch 4 --crop 48}"
iterations="${ITERATIONS:-20000}"
train_args="${TRAIN_ARGS:---iterations $iterations --batch 16 --crop 64 --validate-every 1000}"
bash scripts/install-deps.sh  # tcmalloc, which the training commands run on
[ -f "$photos/manifest.json" ] || bash data/photos/collect.sh "$photos"
dotnet build src/HiNas.Cli -c Release -nologo -clp:ErrorsOnly >/dev/null
hinas=(dotnet src/HiNas.Cli/bin/Release/net10.0/linux-x64/hinas.dll)
mkdir -p "$work"

data="$work/data"  # the photo collection's train/validation split plus rendered frames
bash data/training/prepare.sh "$data" "$photos"

# step KIND DIR DONE_FILE ARGS…: start `hinas KIND ARGS… --out DIR`, resume it, or skip it when DONE_FILE is there
source scripts/resumable-step.sh

# task_scale TASK…: the --scale of a task's options (1 when there is none)
task_scale() { local scale=1; while [ $# -gt 0 ]; do [ "$1" = --scale ] && scale="$2"; shift; done; echo "$scale"; }

# build ID PRESET BUDGET_MS TASK…: search (under a latency budget at 640×360 unless BUDGET_MS is "-"), retrain, export
build() {
  local id="$1" preset="$2" budget="$3"; shift 3
  local -a task=("$@") extra=() budgeted=() searching training
  local scale
  scale=$(task_scale "${task[@]}")
  read -r -a searching <<< "$search_args"; read -r -a training <<< "$train_args"
  # the fused presets search with their own schedule, in bench/quality's band; the ×4 trains as that bench's row
  if [[ "$preset" == frame-time-denoise-fused || "$preset" == frame-time-sr-input ]]; then searching=(--budget-band 0.9); fi
  if [ "$preset" = frame-time-sr-input ]; then training=(--iterations "$iterations" --batch 8 --crop $((48 * scale)) --validate-every 1000); fi
  # trainings start as the identity restoration (docs/cli.md): their folders end in "-id-train"; the folders without
  # "-id" are the record of the same trainings from libtorch's default start, which the packages came from until then
  local search="$work/$id-search" train="$work/$id-id-train"
  if [[ "$preset" == frame-time-denoise* ]]; then extra=(--sigma-range 0:50 --noise-map --pixel-loss log-mse); train="$work/$id-told-log-mse-id-train"; fi
  if [ "$budget" != - ]; then
    local table="$work/$id-latency.json"
    [ -f "$table" ] || "${hinas[@]}" profile-latency "${task[@]}" --preset "$preset" --resolution 640x360 --repeats 15 --out "$table" >&2
    budgeted=(--latency-table "$table" --budget-ms "$budget")
    search="$work/$id-${budget}ms-search"; train="$work/$id-${budget}ms-id-train"
  fi
  # the fused denoisers' convolutions train expanded (docs/cli.md: --conv-expansion; the served network is the same)
  local expansion="${expansion:-1}"
  if [[ "$preset" == frame-time-denoise-fused && "$expansion" != 1 ]]; then
    extra+=(--conv-expansion "$expansion"); train="${train%-id-train}-e$expansion-id-train"
  fi
  resumable_step search "$search" genotype.json "${task[@]}" --preset "$preset" "${budgeted[@]}" --data "$data" "${searching[@]}"
  resumable_step train "$train" summary.json --genotype "$search/genotype.json" "${extra[@]}" --data "$data" "${training[@]}"
  if [ ! -f "$out/$id/manifest.json" ] || ! grep -q "\"producer\": \"hinas export from $train\"" "$out/$id/manifest.json"; then
    echo "== export $id" >&2
    "${hinas[@]}" export --checkpoint "$train" --out "$out/$id" --id "$id" --measure-latency 640x360 --force
  fi
}

for id in $models; do
  case "$id" in
    denoise-gray) expansion="${DENOISE_GRAY_CONV_EXPANSION:-4}" build "$id" frame-time-denoise-fused "${DENOISE_GRAY_BUDGET_MS:-45}" --task denoise --sigma 25 --channels 1;;
    denoise-rgb) expansion="${DENOISE_RGB_CONV_EXPANSION:-4}" build "$id" frame-time-denoise-fused "${DENOISE_RGB_BUDGET_MS:-45}" --task denoise --sigma 25 --channels 3;;
    sr-x2-rgb) build "$id" frame-time-sr "${SR_X2_BUDGET_MS:-23}" --task sr --scale 2 --channels 3;;
    sr-x4-rgb) build "$id" frame-time-sr-input "${SR_X4_BUDGET_MS:-120}" --task sr --scale 4 --channels 3;;
    *) echo "models/build.sh: unknown model '$id'" >&2; exit 2;;
  esac
done
ls -l "$out"/*/model.onnx
