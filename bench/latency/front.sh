#!/usr/bin/env bash
# bench/latency/front.sh: latency-budgeted searches and the quality/latency front.
# In the denoising space σ 25, RGB, L3 B3 F10, stem 8 (a smaller stem than the default 64, whose fixed cost alone
# would leave nothing for a budget to choose at 640×360): profile the parts at 640×360 (the table also gives the
# space's floor, its cheapest network), search without a budget (the unconstrained net; its latency L0 measured with
# ONNX Runtime), then with budgets of 1×, 0.5× and 0.25× L0 and a tight one, 1.15× the floor (the higher of its
# measurement, the floor network run whole by ONNX Runtime, and the table's prediction, which the search checks a
# budget against: the stem-8 space's table predicts it lower, the fused space's higher) — a budget under the floor is refused by the
# search and recorded as such. Every search uses the same settings,
# skip dropout 0.5 included. Train every found net (the within-budget variant where the derivation missed), DnCNN
# and 3 random genotypes of the space with bench/quality's budget and data; evaluate on the opencv-doc photographs;
# measure all nets at 640×360 in interleaved rounds; write front.md and front.png.
# SPACE=frame-time runs the same in the frame-time space (preset frame-time-denoise: pixel-unshuffle 2, stem 16, F 16)
# against its hand designs, FFDNet at three sizes (its paper's gray size 15 × 64 the largest) and DnCNN.
# SPACE=fused runs it in the fused frame-time space of the default denoisers (preset frame-time-denoise-fused: 5
# layers of 48 channels at a quarter of the pixels, its own single-path search schedule) against FFDNet 4, 7 and 10 × 48
# and DnCNN, with the recipe of bench/search-recipe's budgeted searches: each search draws only networks predicted
# within 0.9 of its budget and up (--budget-band; the tight budget, the floor's, without a band), and its network is
# chosen by training 4 of the ranking's networks (SELECT_TOP), taken round its width paths, for 1,000 iterations (`hinas select --by training`). It also searches at each
# hand design's latency that the free net does not already cover ("at-NAME": budget the design's measured time — a
# single-path search admits by predictions calibrated on networks of its band run whole, docs/cli.md —, band 0.8, the
# selection's networks no slower than the design timed beside it, `--as-fast-as`).
# WIDER="1.5 2" adds the free net retrained 1.5 and 2 times as wide (points a work folder can gain later: the rest is
# not repeated; the measurement is, when the networks changed).
# SEEDS=N trains every found network and hand design N times (seeds 1…N; the random genotypes once) and the front
# compares their mean PSNR: one 4,000-iteration training of the same network moves by up to 0.3 dB with its seed
# (the fused spaces' recipe: 3).
# EXPANSION=E trains the HiNAS networks of a fused space — the selections' too — with their cells' convolutions
# expanded E times (`--conv-expansion`, served as trained without it); the hand designs train as they are (the
# setting is refused for them), so such a front compares training forms as well as networks: front.md says so.
# Usage: [SPACE=stem8|frame-time|fused|fused-widths] [DATA=deadleaves|DIR] [ITERATIONS=500] [WIDER="M …"] [AT_BAND=0.8] [SELECT_TOP=4] [SEEDS=1] [EXPANSION=1] bench/latency/front.sh [WORK_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
work="${1:-/tmp/hinas-bench-front-${SPACE:-stem8}}"
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
# the supernet search's schedule (a space may bring its own)
schedule=(--epochs 10 --warmup 4 --steps-per-epoch 30 --skip-dropout 0.5)
# a space's recipe may add a band to its budgeted searches, a selection by training, and searches at the hand designs' latencies
band=""; at_band=""; select_top=""; seeds=1
# baselines: KIND or KIND:DEPTH:WIDTH (hand-designed denoisers, trained with the same data and budget)
case "${SPACE:-stem8}" in
  stem8) space=(--layers 3 --blocks 3 --filters 10 --stem-channels 8); baselines=(dncnn) ;;
  frame-time) space=(--preset frame-time-denoise)
    baselines=(ffdnet:8:32 ffdnet:12:48 ffdnet:15:64 dncnn) ;;
  # the fused frame-time space the default denoisers are searched in (5 layers of 48 at a quarter of the pixels), with
  # its preset's own single-path schedule and search-recipe's recipe; FFDNet at width 48 and three depths (7 × 48: the
  # space's hand stack). fused-widths: the same with the paper's outer space over two widths, 32 and 48 channels (ONNX
  # Runtime's 16-channel blocks), the stem 32 — a floor of 32-channel convolutions, under FFDNet 4 × 48
  fused|fused-widths) space=(--preset frame-time-denoise-fused); schedule=()
    [ "$SPACE" = fused-widths ] && space+=(--filters 16 --width-factors 2,3 --stem-channels 32)
    baselines=(ffdnet:4:48 ffdnet:7:48 ffdnet:10:48 dncnn); band=0.9; at_band=0.8; select_top=4; seeds=3 ;;
  *) echo "front.sh: SPACE is stem8, frame-time, fused or fused-widths, not '$SPACE'" >&2; exit 2 ;;
esac
[ -n "$at_band" ] && at_band="${AT_BAND:-$at_band}"  # the band of the searches at the hand designs' times, in a space that has them
[ -n "$select_top" ] && select_top="${SELECT_TOP:-$select_top}"  # how many networks the selections train, in a space that selects
if [ -n "${EXPANSION:-}" ] && [[ "${SPACE:-stem8}" != fused* ]]; then
  echo "front.sh: EXPANSION is for the fused spaces (SPACE=fused or fused-widths), whose cells' convolutions train expanded; not SPACE=${SPACE:-stem8}" >&2; exit 2
fi
seeds="${SEEDS:-$seeds}"
[[ "$seeds" =~ ^[1-9][0-9]*$ ]] || { echo "front.sh: SEEDS is a count of trainings per network (1 or more), not '$seeds'" >&2; exit 2; }
data="${DATA:-deadleaves}"
iterations="${ITERATIONS:-500}"
search=(--data "$data" "${schedule[@]}")
train=(--data "$data" --iterations "$iterations" --batch 8 --crop 48 --validate-every $(( iterations >= 5 ? iterations / 5 : 1 )))
# a work folder holds one configuration's results (each step is skipped when its result exists)
# (trainings start as the identity restoration since 2026-12-02: a folder trained before holds another start)
# (SEEDS is not part of it: more seeds add trainings beside seed 1's, as WIDER adds networks)
knobs="space ${SPACE:-stem8} data $data iterations $iterations start identity${band:+ band $band}${select_top:+ select $select_top}${at_band:+ at $at_band}${EXPANSION:+ expansion $EXPANSION}"
[ -f "$work/knobs" ] && [ "$(cat "$work/knobs")" != "$knobs" ] && { echo "front.sh: $work holds a run with $(cat "$work/knobs"); give another WORK_DIR" >&2; exit 2; }
echo "$knobs" > "$work/knobs"
# HiNAS networks are trained as searched (×1, light head): the latency table and the budgets describe those networks
as_searched=(--width-multiplier 1 --head light ${EXPANSION:+--conv-expansion "$EXPANSION"})
# searches and trainings resume where a stop left them (scripts/resumable-step.sh)
source scripts/resumable-step.sh
json() { /usr/bin/python3 -c "import json,sys;print(json.loads(sys.stdin.readline())['$1'])"; }
# design_spec KIND[:DEPTH:WIDTH]: the latency tool's spec of a hand design built for the front's task
design_spec() { local kind depth width; IFS=: read -r kind depth width <<< "$1"; echo "$kind:denoise:3:25${depth:+:$depth:$width}"; }
select_train=(--iterations 1000 --validate-every 1000 --batch 8 --crop 48 "${as_searched[@]}")
# same_network OPTIONS_A OPTIONS_B: two trainings' options name the same network (a genotype's cells and width path —
# its α and β may differ between selections —, else the whole architecture)
same_network() {
  /usr/bin/python3 -c "
import json, sys
def network(path):
    a = json.load(open(path))
    a = a.get('architecture', a)
    g = a.get('genotype', a if 'cells' in a else None)
    return (g['cells'], g['width_path']) if g else a
sys.exit(0 if network(sys.argv[1]) == network(sys.argv[2]) else 1)" "$1" "$2"
}
# eval_once DIR: the trained network's evaluation on the photographs, written whole or not at all
eval_once() {
  [ -f "$1.eval.json" ] && return 0
  "${hinas[@]}" eval --checkpoint "$1" --data "$work/photos" --json > "$1.eval.json.partial"
  mv "$1.eval.json.partial" "$1.eval.json"
}
# found NET: the genotype a search folder's network is trained from (the selection's, else the within-budget variant
# where the derivation missed, else the derived one)
found() {
  if [ -f "$work/$1/genotype-trained.json" ]; then echo "$work/$1/genotype-trained.json"
  elif [ -f "$work/$1/genotype-within-budget.json" ]; then echo "$work/$1/genotype-within-budget.json"
  else echo "$work/$1/genotype.json"; fi
}
# choose NET [--as-fast-as DESIGN]: the selection by training over the search folder's ranking (when the recipe has one)
choose() {
  local net="$1"; shift
  [ -n "$select_top" ] && [ ! -f "$work/$net/genotype-trained.json" ] || return 0
  "${hinas[@]}" select "$work/$net" --by training --top "$select_top" "$@" "${select_train[@]}" --json > "$work/$net.select.json"
  # the short trainings' scores stay, their weights go (the chosen network is trained again in full)
  rm -rf "$work/$net"/selection/*/checkpoints "$work/$net"/selection/*/best
}
# budgeted NET BUDGET BAND [SELECT ARGS…]: a search under BUDGET ms (in BAND of it and up, unless BAND is empty), its
# selection; refused budgets are recorded, not fatal
budgeted() {
  local net="$1" budget="$2" b="$3"; shift 3
  local -a banded=()
  [ -n "$b" ] && banded=(--budget-band "$b")
  # the search's log (its floor, calibration and admission lines); a finished search's stays as it was
  local err="$work/$net.err"; [ -f "$work/$net/genotype.json" ] && err=/dev/null
  if ! resumable_step search "$work/$net" genotype.json "${task[@]}" "${space[@]}" "${search[@]}" --latency-table "$work/table.json" \
    --budget-ms "$budget" "${banded[@]}" 2> "$err"; then
    # refused (the budget under the floor, no network in its band) is a point of the front; any other failure stops it
    grep -q "^hinas: error: budget_" "$work/$net.err" || { cat "$work/$net.err" >&2; exit 1; }
    /usr/bin/python3 -c "import json,sys;print(json.dumps({'net':sys.argv[2],'budget_ms':float(sys.argv[3]),'refused':[l for l in open(sys.argv[1]) if l.startswith('hinas: error:')][-1].strip()}))" "$work/$net.err" "$net" "$budget" >> "$work/refused.jsonl"
    rm -rf "$work/$net"  # nothing to resume
    return 0
  fi
  choose "$net" "$@"
  nets+=("$net")
}

# steps whose results exist are not repeated
[ -f "$work/table.json" ] || "${hinas[@]}" profile-latency "${task[@]}" "${space[@]}" --resolution 640x360 --repeats 15 --out "$work/table.json" --json > "$work/table.out.json"
floor=$(json floor_ms < "$work/table.out.json")
floor_measured=$(json floor_measured_ms < "$work/table.out.json")
# (a finished search keeps its genotypes, not its supernet, so the folder can be committed)
resumable_step search "$work/free" genotype.json "${task[@]}" "${space[@]}" "${search[@]}"
choose free
[ -f "$work/l0.json" ] || "${latency[@]}" --rounds 5 "$(found free)" > "$work/l0.json"
l0=$(json measured_ms < "$work/l0.json")
echo "unconstrained: $l0 ms measured; floor of the space: $floor_measured ms measured, $floor ms predicted" >&2
nets=(free)
: > "$work/refused.jsonl"
for f in 1.0 0.5 0.25 tight; do
  # the tight budget without a band: it asks for the cheapest networks, which a band of it would leave out
  if [ "$f" = tight ]; then budgeted "b$f" "$(/usr/bin/python3 -c "print(round(max($floor_measured, $floor)*1.15, 2))")" ""
  else budgeted "b$f" "$(/usr/bin/python3 -c "print(round($l0*$f, 2))")" "$band"; fi
done
# at each hand design's latency that the free net does not cover (it is not 1.25 × slower): a search at the design's
# time measured alone, its selection no slower than the design timed beside each network
if [ -n "$at_band" ]; then
  for design in "${baselines[@]}"; do
    [[ "$design" == *:*:* ]] || continue  # --as-fast-as names NAME:DEPTH:WIDTH
    at="at-${design//:/-}"
    [ -f "$work/$at.ms.json" ] || "${latency[@]}" --rounds 5 "$(design_spec "$design")" > "$work/$at.ms.json"
    design_ms=$(json measured_ms < "$work/$at.ms.json")
    /usr/bin/python3 -c "import sys; sys.exit(0 if $design_ms <= 1.25 * $l0 else 1)" || continue
    budgeted "$at" "$(/usr/bin/python3 -c "print(round($design_ms, 2))")" "$at_band" --as-fast-as "$design"
  done
fi

# the free net retrained wider (WIDER, e.g. "1.5 2": as the official code retrains, with the light head): points
# between the free net and the slower hand designs
for m in ${WIDER:-}; do nets+=("free-x$m"); done
specs=()
for net in "${nets[@]}" "${baselines[@]}" random:1 random:2 random:3; do
  dir="$work/train-${net//:/-}"
  case "$net" in
    dncnn*|ffdnet*)
      IFS=: read -r kind depth width <<< "$net"
      size=(); [ -n "$depth" ] && size=(--depth "$depth" --width "$width")
      arch=(--arch "$kind" "${task[@]}" "${size[@]}"); spec="$(design_spec "$net")"
      # trained before the stacks recorded their activation (LeakyReLU(0.2) then; their papers' ReLU since): again
      if [ -f "$dir/options.json" ] && ! grep -q '"activation"' "$dir/options.json"; then
        echo "front.sh: $dir is $net trained with LeakyReLU: training it again with ReLU" >&2
        rm -rf "$dir" "$dir".* "$dir"-seed*
      fi ;;
    random:*) arch=(--arch "$net" "${task[@]}" "${space[@]}" "${as_searched[@]}"); spec="$dir/genotype.json" ;;
    free-x*) arch=(--genotype "$(found free)" --width-multiplier "${net#free-x}" --head light ${EXPANSION:+--conv-expansion "$EXPANSION"}); spec="$(found free)*${net#free-x}" ;;
    *) arch=(--genotype "$(found "$net")" "${as_searched[@]}"); spec="$(found "$net")"
      # a training of another network than the search's now (its selection was done again) is done again
      if [ -f "$dir/options.json" ] && ! same_network "$dir/options.json" "$spec"; then
        echo "front.sh: $dir trained another network than $spec: training it again" >&2
        rm -rf "$dir" "$dir.eval.json"
      fi ;;
  esac
  resumable_step train "$dir" summary.json "${arch[@]}" "${train[@]}"  # finished: its best weights stay
  eval_once "$dir"
  # the same network trained again from other seeds (train-NET is seed 1; a random genotype is trained once)
  if [[ "$net" != random:* ]]; then
    for ((seed = 2; seed <= seeds; seed++)); do
      again="$dir-seed$seed"
      if [ -f "$again/options.json" ] && ! same_network "$dir/options.json" "$again/options.json"; then
        rm -rf "$again" "$again.eval.json"  # seed 1's network changed (its selection was done again)
      fi
      resumable_step train "$again" summary.json "${arch[@]}" "${train[@]}" --seed "$seed"
      eval_once "$again"
    done
  fi
  # (written once: a newer genotype file makes the timings stale)
  [[ "$net" == random:* ]] && [ ! -f "$dir/genotype.json" ] && /usr/bin/python3 -c "
import json, os, sys
json.dump(json.load(open(sys.argv[1] + '/options.json'))['architecture']['genotype'], open(sys.argv[1] + '/genotype.json.partial', 'w'))
os.replace(sys.argv[1] + '/genotype.json.partial', sys.argv[1] + '/genotype.json')" "$dir"
  specs+=("$spec")
done
# all networks measured together: 5 rounds, each timing every network in turn (median of 15 runs), median of rounds
# (again when the networks changed: WIDER, or a search done again, whose genotype file is then newer than the timings)
measured_stale() {
  [ -f "$work/measured.jsonl" ] || return 0
  [ "$(/usr/bin/python3 -c "import json,sys;print(' '.join(json.loads(l)['spec'] for l in open(sys.argv[1])))" "$work/measured.jsonl")" != "${specs[*]}" ] && return 0
  local s
  for s in "${specs[@]}"; do [ -f "${s%\**}" ] && [ "${s%\**}" -nt "$work/measured.jsonl" ] && return 0; done
  return 1
}
if measured_stale; then
  "${latency[@]}" --rounds 5 "${specs[@]}" > "$work/measured.jsonl.partial"
  mv "$work/measured.jsonl.partial" "$work/measured.jsonl"
fi

results="$work/front.jsonl"
/usr/bin/python3 - "$work" "$l0" "$floor" "$floor_measured" "$seeds" "${nets[@]}" "${baselines[@]}" random:1 random:2 random:3 > "$results" <<'PY'
import json, statistics, sys
work, l0, floor, floor_measured, seeds, names = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), sys.argv[6:]
measured = [json.loads(line) for line in open(f"{work}/measured.jsonl")]
assert len(measured) == len(names), f"measured.jsonl has {len(measured)} networks, the front {len(names)}"
for net, m in zip(names, measured):
    d = f"{work}/train-{net.replace(':', '-')}"
    e = json.load(open(d + ".eval.json"))
    # the mean over the network's trainings (seed 1 in train-NET, seed s in train-NET-seedS)
    again = [] if net.startswith("random:") else [f"{d}-seed{s}" for s in range(2, seeds + 1)]
    psnrs = [e["psnr"]] + [json.load(open(t + ".eval.json"))["psnr"] for t in again]
    row = {"net": net, "psnr": statistics.mean(psnrs), "psnr_seeds": psnrs, "params": e["params"], "measured_ms": m["measured_ms"], "rounds_ms": m["rounds"],
           "predicted_ms": m.get("predicted_ms"), "l0_ms": l0, "floor_ms": floor, "floor_measured_ms": floor_measured}
    if net.startswith(("b", "at-")):
        report = json.load(open(f"{work}/{net}/latency.json"))
        row.update(budget_ms=report["budget_ms"], derived_predicted_ms=report["predicted_ms"], meets_budget=report["meets_budget"],
                   within_budget_used=report.get("within_budget_genotype") is not None, measured_within_budget=m["measured_ms"] <= report["budget_ms"])
    try:  # the selection by training's pick: its ranking place and how many networks it trained
        s = json.load(open(f"{work}/{net}/training-selection.json"))
        row.update(selected=s["candidates"][0]["origin"], selected_place=s["candidates"][0]["ranking_place"], selection_trained=len(s["candidates"]))
    except (FileNotFoundError, KeyError, IndexError):
        pass
    print(json.dumps(row))
for line in open(f"{work}/refused.jsonl"):
    print(line.strip())
PY
{ /usr/bin/python3 bench/latency/front.py "$results" "$work/front.png" "$iterations"
  [ -z "${EXPANSION:-}" ] || echo "
The HiNAS networks trained with their cells' convolutions expanded ${EXPANSION}× (--conv-expansion), the hand designs as served: the margins compare training forms as well as networks." ; } | tee "$work/front.md"
