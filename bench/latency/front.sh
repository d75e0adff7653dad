#!/usr/bin/env bash
# bench/latency/front.sh: latency-budgeted searches and the quality/latency front.
# In the denoising space (σ 25, RGB, L3 B3 F10, stem 16 — a smaller stem than the default 64, whose fixed cost
# alone would leave nothing for a budget to choose at 640×360): profile the parts at 640×360, search without a
# budget (the unconstrained net, latency L0 measured with ONNX Runtime), then with budgets of 1×, 0.5× and
# 0.25× L0; train every found net (the within-budget variant where the derivation missed), DnCNN and 3 random
# genotypes of the space with bench/quality's budget and data; evaluate on the opencv-doc photographs; measure
# each net's latency at 640×360; write front.md and front.png.
# Usage: bench/latency/front.sh [WORK_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
work="${1:-/tmp/hinas-bench-front}"
mkdir -p "$work/photos"
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
if [ ! -d /usr/share/doc/opencv-doc/examples/data ] || ! /usr/bin/python3 -c "import matplotlib" 2>/dev/null; then
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq opencv-doc python3-matplotlib >/dev/null
fi
for p in baboon.jpg butterfly.jpg fruits.jpg building.jpg home.jpg aero1.jpg messi5.jpg orange.jpg leuvenA.jpg apple.jpg; do
  cp "/usr/share/doc/opencv-doc/examples/data/$p" "$work/photos/"
done
dotnet build src/HiNas.Cli -c Release -nologo -clp:ErrorsOnly >/dev/null
dotnet build bench/latency -c Release -nologo -clp:ErrorsOnly >/dev/null
hinas=(dotnet src/HiNas.Cli/bin/Release/net10.0/linux-x64/hinas.dll)
latency=(dotnet bench/latency/bin/Release/net10.0/linux-x64/HiNas.Bench.Latency.dll measure "$work/table.json")
task=(--task denoise --sigma 25 --channels 3)
space=(--layers 3 --blocks 3 --filters 10 --stem-channels 16)
search=(--data deadleaves --epochs 6 --steps-per-epoch 30)
train=(--data deadleaves --iterations 500 --batch 8 --crop 48 --validate-every 100)

# steps whose results exist are not repeated (the table and the unconstrained search do not depend on the budget code)
[ -f "$work/table.json" ] || "${hinas[@]}" profile-latency "${task[@]}" "${space[@]}" --resolution 640x360 --repeats 7 --out "$work/table.json" --json
[ -f "$work/free/genotype.json" ] || "${hinas[@]}" search "${task[@]}" "${space[@]}" "${search[@]}" --out "$work/free" --json > "$work/free.json"
l0=$("${latency[@]}" "$work/free/genotype.json" | /usr/bin/python3 -c "import json,sys;print(json.loads(sys.stdin.readline())['measured_ms'])")
echo "unconstrained: $l0 ms" >&2
nets=(free)
for f in 1.0 0.5 0.25; do
  budget=$(/usr/bin/python3 -c "print(round($l0*$f, 2))")
  [ -f "$work/b$f/genotype.json" ] || "${hinas[@]}" search "${task[@]}" "${space[@]}" "${search[@]}" --latency-table "$work/table.json" --budget-ms "$budget" \
    --out "$work/b$f" --json > "$work/b$f.json"
  nets+=("b$f")
done

results="$work/front.jsonl"
: > "$results"
for net in "${nets[@]}" dncnn random:1 random:2 random:3; do
  dir="$work/train-${net/:/-}"
  genotype=""
  case "$net" in
    dncnn) arch=(--arch dncnn "${task[@]}"); spec="dncnn:denoise:3:25" ;;
    random:*) arch=(--arch "$net" "${task[@]}" "${space[@]}") ;;
    *) genotype="$work/$net/genotype.json"
       [ -f "$work/$net/genotype-within-budget.json" ] && genotype="$work/$net/genotype-within-budget.json"
       arch=(--genotype "$genotype"); spec="$genotype" ;;
  esac
  [ -f "$dir/summary.json" ] || "${hinas[@]}" train "${arch[@]}" "${train[@]}" --out "$dir" --json > "$dir.train.json"
  "${hinas[@]}" eval --checkpoint "$dir" --data "$work/photos" --json > "$dir.eval.json"
  [[ "$net" == random:* ]] && spec="$dir/options.json.genotype" && /usr/bin/python3 - "$dir" <<'PY'
import json, sys
o = json.load(open(sys.argv[1] + "/options.json"))
json.dump(o["architecture"]["genotype"], open(sys.argv[1] + "/options.json.genotype", "w"))
PY
  measured=$("${latency[@]}" "$spec")
  /usr/bin/python3 - "$net" "$dir" "$measured" "$work" >> "$results" <<'PY'
import json, os, sys
net, d, measured, work = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4]
e = json.load(open(d + ".eval.json"))
row = {"net": net, "psnr": e["psnr"], "params": e["params"], "measured_ms": measured["measured_ms"], "predicted_ms": measured.get("predicted_ms")}
if net.startswith("b"):
    report = json.load(open(f"{work}/{net}/latency.json"))
    row.update(budget_ms=report["budget_ms"], derived_predicted_ms=report["predicted_ms"], meets_budget=report["meets_budget"],
               within_budget_used=report.get("within_budget_genotype") is not None)
print(json.dumps(row))
PY
done
/usr/bin/python3 bench/latency/front.py "$results" "$work/front.png" | tee "$work/front.md"
