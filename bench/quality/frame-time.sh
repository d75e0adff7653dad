#!/usr/bin/env bash
# The quality benchmark in the frame-time space, one task at a time: does the search find a network that beats the hand
# design at its parameters and its measured frame time, and beats the space's own networks drawn at random within the
# same time? Per task (bench/search-recipe/run.sh does the searching and training, in WORK_DIR/SLUG):
#   1. the space's latency table, profiled on this machine (`hinas profile-latency`);
#   2. the hand stack: the hand design written in the space (a chain of DEPTH − 2 convolutions 3×3 between the space's
#      stem and head: FFDNet DEPTH × 48 for denoising, where FFDNet is also the hand reference, at the same parameters
#      and time; for super-resolution a plain stack at a quarter of the pixels, whose time is about ESPCN 4 × 32's, the
#      hand reference, at 4.5 times its parameters, so ESPCN 4 × W at the stack's parameters is trained too when the
#      reference has fewer); the search's budget is the table's prediction of its time (`bench/latency measure`) and
#      5 %: the prediction errs by about that much, and at the prediction itself only networks without one addition
#      fit, so few that a budgeted draw takes hundreds of tries (the selection below then keeps those measured as fast
#      as the hand reference);
#   3. a single-path search within that budget (`--budget-band 0.9`: its draws within 90–100 % of it), its top 4 by
#      ranking trained briefly and the best kept (`hinas select --by training --as-fast-as`: only networks no slower than
#      the hand reference timed side by side); that pick, the hand stack and the hand designs retrained the same way
#      (ITERATIONS, seeds 1 and 2), the ranking's first and 3 uniform draws within the budget too (seed 1);
#   4. each retrained network exported to ONNX and evaluated as served (`hinas eval --model`, seed 1's training), every
#      package of the task timed side by side at 640×360 (`bench/latency packages`, ROUNDS rounds, the median);
#   5. the task's table (bench/quality/frame_time_table.py).
# Every step is skipped when its result exists, so a stopped run continues where it stopped; run it alone (2 cores).
# Usage: bench/quality/frame-time.sh [WORK_DIR=bench/quality/runs-frame-time]
# Environment:
#   TASKS       space-separated denoise:SIGMA:CHANNELS or sr:SCALE:CHANNELS (default "denoise:25:1 denoise:50:1 denoise:25:3")
#   DEPTH       the hand design's depth (default 7: FFDNet 7 × 48, five convolutions in the space)
#   SR_HAND     super-resolution's hand reference, ARCH:DEPTH:WIDTH (default espcn:4:32); denoising's is ffdnet:DEPTH:48
#               (ESPCN 4 × W at the hand stack's parameters is trained beside it when the reference has fewer)
#   SR_CELLS    where super-resolution's cells run: quarter (default: the frame-time space, DEPTH − 2 layers of 48
#               channels at a quarter of the input's pixels) or input (SR_LAYERS layers, default 13, of 16 channels at the
#               input's pixels: about ESPCN 4 × 32's time at ×4; ONNX Runtime blocks channels by 16, and a width between
#               runs unblocked, slower (bench/quality/README.md); the task folder gets the suffix -input)
#   ITERATIONS  retraining iterations (default 10000, 20 times the first table's: at 4,000 every network of the gray σ 25
#               pilot still gained 0.1 dB of validation PSNR over its last fifth), ROUNDS timing rounds (default 5), DATA
#               as bench/search-recipe/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
work="$(realpath -m "${1:-bench/quality/runs-frame-time}")"
tasks="${TASKS:-denoise:25:1 denoise:50:1 denoise:25:3}"
depth="${DEPTH:-7}"
rounds="${ROUNDS:-5}"
iterations="${ITERATIONS:-10000}"
sr_cells="${SR_CELLS:-quarter}"
[[ "${SR_LAYERS:-13}" =~ ^[1-9][0-9]*$ ]] || { echo "bench/quality: SR_LAYERS '${SR_LAYERS}' is not a positive integer" >&2; exit 2; }
[[ "$sr_cells" =~ ^(quarter|input)$ ]] || { echo "bench/quality: SR_CELLS '$sr_cells' is neither quarter nor input" >&2; exit 2; }
[[ "$depth" =~ ^[0-9]+$ ]] && [ "$depth" -ge 3 ] || { echo "bench/quality: DEPTH '$depth' is not an integer of at least 3" >&2; exit 2; }
source bench/quality/lib.sh  # the photo collection, the built CLI (hinas), parameters, baseline_width, served_side_by_side
dotnet build bench/latency -c Release -nologo -clp:ErrorsOnly >/dev/null
latency=(dotnet bench/latency/bin/Release/net10.0/linux-x64/HiNas.Bench.Latency.dll)
arm=adam-log-mse-drop50-single-path:30:10:30:240  # bench/search-recipe's single-path arm: 30 epochs, 10 of warm-up
name="${arm//:/-}"

for spec in $tasks; do
  IFS=: read -r kind value channels <<< "$spec"
  case "$kind" in
    denoise) task=(--task denoise --sigma "$value" --channels "$channels"); preset=frame-time-denoise; slug="denoise-s$value-c$channels"; hand="ffdnet:$depth:48";;
    sr) task=(--task sr --scale "$value" --channels "$channels"); preset=frame-time-sr; slug="sr-x$value-c$channels"; hand="${SR_HAND:-espcn:4:32}";;
    *) echo "bench/quality: unknown task '$spec' (denoise:SIGMA:CHANNELS or sr:SCALE:CHANNELS)" >&2; exit 2;;
  esac
  width=48 unshuffle=2 layers=$((depth - 2)) resolution=()  # the space's cells at a quarter of the input's pixels (the presets')
  if [ "$kind" = sr ] && [ "$sr_cells" = input ]; then
    width=16 unshuffle=1 layers="${SR_LAYERS:-13}" resolution=(--pixel-unshuffle 1) slug+="-input"
  fi
  space=(--cell-form fused --filters "$width" --width-factors 1 --stem-channels "$width" "${resolution[@]}" --layers "$layers" --blocks 1 --operations conv_3x3,dil_conv_3x3,none)
  dir="$work/$slug"
  mkdir -p "$dir/hand-stack"
  echo "== $slug ($(date -u +%H:%M))" >&2
  [ -f "$dir/latency-table.json" ] || "${hinas[@]}" profile-latency "${task[@]}" --preset "$preset" "${space[@]}" --resolution 640x360 --repeats 15 --out "$dir/latency-table.json" >&2
  # the hand stack: node 0 of each cell one convolution of the previous layer (input 1 is the layer before it, unread)
  [ -f "$dir/hand-stack/genotype.json" ] || /usr/bin/python3 - "$dir/hand-stack/genotype.json" "$kind" "$value" "$channels" "$layers" "$preset" "$width" "$unshuffle" <<'PY'
import json, sys
path, kind, value, channels, layers, preset, width, unshuffle = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:6]), sys.argv[6], *map(int, sys.argv[7:9])
g = {"schema": "hinas.genotype/v1",
     "task": {"kind": kind, "sigma": value if kind == "denoise" else 0, "scale": value if kind == "sr" else 1, "channels": channels},
     "layers": layers, "blocks": 1, "filters": width, "width_factors": [1], "stem_channels": width, "dilated_convs": "dense",
     "pixel_unshuffle": unshuffle, "cell_form": "fused", "cells": [[["conv_3x3", 0], ["none", 1]] for _ in range(layers)],
     "width_path": [0] * layers, "operations": ["conv_3x3", "dil_conv_3x3", "none"]}
if preset.endswith("-sr"):
    g["head_conv"] = "separable"
json.dump(g, open(path, "w"), indent=1)
PY
  hands=("$hand")
  if [ "$kind" = sr ]; then  # ESPCN at the hand stack's parameters (the smallest width with at least as many), when the
    # hand reference has fewer (at the input's resolution the stack has fewer than ESPCN 4 × 32)
    stack="$(parameters --genotype "$dir/hand-stack/genotype.json" --width-multiplier 1 --head light)"
    IFS=: read -r arch arch_depth arch_width <<< "$hand"
    if [ "$(parameters --arch "$arch" --depth "$arch_depth" --width "$arch_width" "${task[@]}")" -lt "$stack" ]; then
      hands+=("espcn:4:$(baseline_width espcn 4 "$stack" "${task[@]}")")
    fi
  fi
  [ -f "$dir/budget.json" ] || "${latency[@]}" measure "$dir/latency-table.json" --rounds 1 "$dir/hand-stack/genotype.json" > "$dir/budget.json"
  budget="$(/usr/bin/python3 -c "import json, sys; print(round(1.05 * json.load(open(sys.argv[1]))['predicted_ms'], 1))" "$dir/budget.json")"
  echo "   budget: $budget ms, the hand stack's predicted time and 5 %" >&2
  TASK="$spec" SPACE="${space[*]} --latency-table $dir/latency-table.json --budget-ms $budget --budget-band 0.9" ARMS="$arm" RANDOMS="" \
    SELECT=4 AS_FAST_AS="$hand" DRAWN="1 2 3" SEEDS=2 DRAWN_SEEDS="" ITERATIONS="$iterations" GIVEN="hand-stack=$dir/hand-stack/genotype.json" HAND="${hands[*]}" \
    bash bench/search-recipe/run.sh "$dir" > "$dir/search-recipe.md"

  # the served form of each network: exported, evaluated by ONNX Runtime, timed side by side
  served_side_by_side "$dir" "$dir/latency.jsonl" "$rounds" \
    "$name-trained4-as-${hand//:/-}" "$name" "$name-drawn1" "$name-drawn2" "$name-drawn3" hand-stack "${hands[@]//:/-}"
  /usr/bin/python3 bench/quality/frame_time_table.py "$dir" "${hands[@]}" | tee "$dir/table.md"
done
