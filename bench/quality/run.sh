#!/usr/bin/env bash
# Quality benchmark: for each task, search with HiNAS, then train the found genotype, the hand-designed
# baseline (DnCNN for denoising, ESPCN for SR) and 3 random genotypes from the same search space (same L/B/F)
# with the same iterations, batch and data (dead leaves), and evaluate all of them by the standard protocol
# on real photographs from Debian's opencv-doc package (installed here, not committed).
# Usage: bench/quality/run.sh [WORK_DIR]      Environment: TASKS, SEARCH_ARGS, TRAIN_ARGS (see below)
set -euo pipefail
cd "$(dirname "$0")/../.."
work="${1:-/tmp/hinas-bench-quality}"
tasks="${TASKS:-denoise:25:1 denoise:50:1 denoise:25:3 sr:2:3 sr:4:3}"      # kind:sigma-or-scale:channels
search_args="${SEARCH_ARGS:---epochs 6 --steps-per-epoch 30}"
train_args="${TRAIN_ARGS:---iterations 500 --batch 8 --crop 48 --validate-every 100}"
photos=(baboon.jpg butterfly.jpg fruits.jpg building.jpg home.jpg aero1.jpg messi5.jpg orange.jpg leuvenA.jpg apple.jpg)

sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
if [ ! -d /usr/share/doc/opencv-doc/examples/data ]; then
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq opencv-doc >/dev/null
fi
mkdir -p "$work/photos"
for p in "${photos[@]}"; do cp "/usr/share/doc/opencv-doc/examples/data/$p" "$work/photos/"; done

dotnet build src/HiNas.Cli -c Release -nologo -clp:ErrorsOnly >/dev/null
hinas=(dotnet src/HiNas.Cli/bin/Release/net10.0/linux-x64/hinas.dll)
results="$work/results.jsonl"
: > "$results"

for spec in $tasks; do
  IFS=: read -r kind value channels <<<"$spec"
  if [ "$kind" = denoise ]; then task=(--task denoise --sigma "$value" --channels "$channels"); baseline=dncnn; slug="denoise-s$value-c$channels"
  else task=(--task sr --scale "$value" --channels "$channels"); baseline=espcn; slug="sr-x$value-c$channels"; fi
  echo "== $slug: search" >&2
  start=$(date +%s)
  # shellcheck disable=SC2086
  "${hinas[@]}" search "${task[@]}" --data deadleaves $search_args --out "$work/$slug/search" --json > "$work/$slug-search.json"
  search_seconds=$(( $(date +%s) - start ))
  layers=$(python3 -c "import json;print(json.load(open('$work/$slug/search/genotype.json'))['layers'])")
  blocks=$(python3 -c "import json;print(json.load(open('$work/$slug/search/genotype.json'))['blocks'])")
  filters=$(python3 -c "import json;print(json.load(open('$work/$slug/search/genotype.json'))['filters'])")
  for net in found "$baseline" random:1 random:2 random:3; do
    echo "== $slug: train $net" >&2
    if [ "$net" = found ]; then arch=(--genotype "$work/$slug/search/genotype.json"); tsk=()
    else arch=(--arch "$net" --layers "$layers" --blocks "$blocks" --filters "$filters"); tsk=("${task[@]}"); fi
    dir="$work/$slug/${net/:/-}"
    # shellcheck disable=SC2086
    "${hinas[@]}" train "${arch[@]}" "${tsk[@]}" --data deadleaves $train_args --out "$dir" --json > "$dir.train.json"
    "${hinas[@]}" eval --checkpoint "$dir" --data "$work/photos" --json > "$dir.eval.json"
    python3 - "$slug" "$net" "$dir" "$search_seconds" >> "$results" <<'PY'
import json, sys
slug, net, d, search_seconds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
t = json.load(open(d + ".train.json"))["summary"]
e = json.load(open(d + ".eval.json"))
print(json.dumps({"task": slug, "net": net, "network": t["network"], "psnr": e["psnr"], "ssim": e["ssim"],
                  "input_psnr": e["input_psnr"], "params": e["params"], "gflops_per_mp": e["flops_per_megapixel"] / 1e9,
                  "ms_per_image": e["ms_per_image"], "train_seconds": t["training_seconds"],
                  "search_seconds": search_seconds if net == "found" else None}))
PY
  done
done

python3 bench/quality/table.py "$results"
