#!/usr/bin/env bash
# Does the frame-time space's quarter resolution cost super-resolution its detail? For a super-resolution task that
# bench/quality/frame-time.sh has run: its hand stack at the input's resolution (pixel-unshuffle 1) with half the
# channels (24: the same multiply-adds per input pixel in its convolutions), retrained as that task's networks were
# (seeds 1 and 2, the hand stack's training options), exported, evaluated as served, and timed side by side with the
# task's hand stack and hand reference (exported again from their trained weights; `bench/latency packages`, 5 rounds).
# Writes TASK_DIR/input-resolution.md. Resumable like frame-time.sh; run it alone (2 cores).
# Usage: bench/quality/input-resolution.sh TASK_DIR [HAND=espcn-4-32]   (TASK_DIR e.g. bench/quality/runs-frame-time/sr-x4-c3)
set -euo pipefail
cd "$(dirname "$0")/../.."
dir="$(realpath "${1:?usage: bench/quality/input-resolution.sh TASK_DIR [HAND]}")"
hand="${2:-espcn-4-32}"
for f in hand-stack/genotype.json train-hand-stack/options.json "train-$hand/summary.json"; do
  [ -f "$dir/$f" ] || { echo "bench/quality: $dir/$f is missing: run bench/quality/frame-time.sh for this task first" >&2; exit 2; }
done
source bench/quality/lib.sh  # the photo collection, the built CLI (hinas), resumable steps, served_side_by_side
dotnet build bench/latency -c Release -nologo -clp:ErrorsOnly >/dev/null
latency=(dotnet bench/latency/bin/Release/net10.0/linux-x64/HiNas.Bench.Latency.dll)
name=input-resolution-stack
mkdir -p "$dir/$name"

# the genotype and the training options, from the task's hand stack
args="$("$py" - "$dir" "$name" <<'PY'
import json, sys
work, name = sys.argv[1], sys.argv[2]
g = json.load(open(f"{work}/hand-stack/genotype.json"))
if g["task"]["kind"] != "sr" or g.get("pixel_unshuffle", 1) != 2:
    sys.exit(f"bench/quality: {work} is not a frame-time super-resolution task (pixel-unshuffle 2)")
g.update(pixel_unshuffle=1, filters=g["filters"] // 2, stem_channels=g["stem_channels"] // 2)
json.dump(g, open(f"{work}/{name}/genotype.json", "w"), indent=1)
o = json.load(open(f"{work}/train-hand-stack/options.json"))
t = o["task"]
print(o["data"])
print(f"--task sr --scale {t['scale']} --channels {t['channels']} --data {o['data']} --batch {o['batch']} --crop {o['crop']}"
      f" --iterations {o['iterations']} --validate-every {o['validate_every']} --width-multiplier 1 --head light")
PY
)"
{ read -r data; read -r -a train; } <<< "$args"  # the training images, then the training options
[ -d "$data" ] || bash data/training/prepare.sh "$data" "$photos"  # the training images the task's networks were trained on
for seed in 1 2; do
  run="$dir/train-$name$([ "$seed" = 1 ] || echo "-seed$seed")"
  resumable_step train "$run" summary.json --genotype "$dir/$name/genotype.json" "${train[@]}" --seed "$seed"
  [ -f "$run.eval.json" ] || "${hinas[@]}" eval --checkpoint "$run" --data "$photos/evaluation" --json > "$run.eval.json"
done

served_side_by_side "$dir" "$dir/$name-latency.jsonl" 5 "$name" hand-stack "$hand"

"$py" - "$dir" "$name" "$hand" <<'PY' | tee "$dir/input-resolution.md"
import json, os, statistics, sys
work, name, hand = sys.argv[1:]
ms = {os.path.realpath(e["package"]): e["measured_ms"] for e in map(json.loads, open(f"{work}/{name}-latency.jsonl"))}
print("| network | params | ms at 640×360 (side by side) | PSNR dB served (seed 1) | SSIM | PSNR dB seeds 1 / 2 (mean) |")
print("|---|---|---|---|---|---|")
width = {net: json.load(open(f"{work}/{net}/genotype.json"))["filters"] for net in (name, "hand-stack")}
for label, net in ((f"the hand stack at the input's resolution, {width[name]} channels", name),
                   (f"the hand stack in the space (a quarter of the pixels, {width['hand-stack']} channels)", "hand-stack"), (hand, hand)):
    e = json.load(open(f"{work}/train-{net}/package.eval.json"))
    s = [json.load(open(p))["psnr"] for p in (f"{work}/train-{net}.eval.json", f"{work}/train-{net}-seed2.eval.json") if os.path.exists(p)]
    print(f"| {label} | {e['params']:,} | {ms[os.path.realpath(f'{work}/train-{net}/package')]:.1f} | {e['psnr']:.2f} | {e['ssim']:.4f} | "
          + " / ".join(f"{x:.2f}" for x in s) + f" ({statistics.mean(s):.2f}) |")
PY
