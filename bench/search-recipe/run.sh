#!/usr/bin/env bash
# How the search trains its supernet's weights, judged where it matters: does the supernet learn to restore (its
# validation PSNR per epoch), do α and β leave uniform (their entropies), and does the genotype it finds, retrained,
# beat random genotypes of the same space trained the same way?
# The space is bench/latency's frame-time front (`--preset frame-time-denoise`, or `frame-time-sr` for super-resolution,
# its free search's schedule), the task σ 25 RGB unless TASK says otherwise; every network is trained as searched (×1, light head) with that front's training
# settings and evaluated on the photo collection's evaluation split.
# Usage: bench/search-recipe/run.sh [WORK_DIR=bench/search-recipe/runs]
# Environment:
#   TASK     denoise:SIGMA:CHANNELS or sr:SCALE:CHANNELS (default denoise:25:3); give each task its own WORK_DIR
#   SPACE    search-space flags on top of the preset, for the searches and the random genotypes alike (default: the
#            preset's, L 3, B 3, widths 1,1.5,2), e.g. "--cell-form fused --width-factors 1,2,3 --layers 6 --blocks 1";
#            give each space its own WORK_DIR
#   ARMS     search arms, space-separated (default "sgd adam-log-mse"; empty: none, e.g. for HAND alone):
#              sgd            the paper's: SGD 0.025 → 0.001 with momentum, the paper's loss (MSE + SSIM)
#              adam-log-mse   the retraining's recipe: Adam 1e-3 → 1e-5 and the per-sample log-MSE (+ SSIM)
#              adam-log-mse-dropNN  the same with operation dropout NN % (`--operation-dropout 0.NN`: each candidate's
#                             output dropped per sample, so no operation leans on the others)
#              adam-log-mse[-dropNN]-single-path  the same recipe training one drawn network per step after the warm-up
#                             (`--supernet-training single-path`; the warm-up trains the mixture, with the dropout),
#                             its network derived by ranking drawn networks on the trained supernet
#              NAME:EPOCHS:WARMUP[:STEPS[:SINGLE_PATH_STEPS]]  the same arm with another schedule (e.g. adam-log-mse:30:15;
#                             STEPS per epoch, default 30; SINGLE_PATH_STEPS per single-path epoch, default STEPS)
#   SWAP     operations, space-separated (e.g. "dil_conv_3x3"): also train each arm's genotype with every edge's
#            operation replaced by each (same inputs, same width path) — what the derivation's choice of operation is worth
#   REWIRE   rewirings, space-separated: "chain" also trains each arm's genotype with its nodes chained (node m ≥ 1
#            reads node m − 1 and cell input (m + 1) mod 2; node 0 reads both inputs), "shallow" each random genotype
#            with every node reading the two cell inputs — same operations, same parameters: what the cells' depth is worth
#   RANDOMS  random genotypes of the space to train as the reference (default "1 2 3": random:1 … random:3)
#   RANKED   places in a ranking (network-ranking.json: a single-path search's, or `hinas select --by ranking`'s) whose
#            networks are trained too (e.g. "1 2 3"), as `train-NAME-rankK`: places among the networks the search drew
#            (not the ones given to rank beside them), at most MAX_PARAMETERS parameters if set (`-rankK-maxP`)
#   DRAWN    draws of each single-path search to train too (e.g. "1 2 3": drawn:1 … drawn:3 of its ranking, in the order it
#            drew them, so uniform draws of its space — within its latency budget, if it had one: the random reference of a
#            bounded space), as `train-NAME-drawnN`
#   RANK     networks to draw for `hinas select --by ranking` after each search (e.g. 64; a single-path search's drawn
#            as it trained them, the first ones those it ranked by itself): every network trained here so far is ranked
#            beside them (but those whose width path does not run alone in the supernet), and the table gives how the
#            supernet's ranking agrees with retraining (Kendall's τ)
#   SELECT   networks to train briefly after the ranking (`hinas select --by training --top SELECT`, SELECT_ITERATIONS
#            iterations each, default 1000; the search's own networks, at most MAX_PARAMETERS parameters if set), the
#            best by validation PSNR then retrained as `train-NAME-trainedK[-maxP][-msT|-as-ARCH-DEPTH-WIDTH]`; with MAX_MS only
#            networks that run within T ms at 640×360 on this machine as trained (`--max-ms`), with AS_FAST_AS=ARCH:DEPTH:WIDTH
#            (e.g. ffdnet:7:48) only those no slower than that hand design timed side by side with each (`--as-fast-as`)
#   GIVEN    genotypes of the space written by hand, space-separated NAME=GENOTYPE_FILE, trained the same way as
#            `train-NAME` (the file copied to NAME/genotype.json)
#   HAND     hand-designed networks trained the same way, space-separated: dncnn:DEPTH:WIDTH (full resolution) or
#            ffdnet:DEPTH:WIDTH (at a quarter of the pixels, as the frame-time space) for denoising, espcn:DEPTH:WIDTH or
#            fsrcnn:DEPTH:WIDTH (at the low resolution) for super-resolution, as `train-ARCH-DEPTH-WIDTH`
#   SEEDS    more retraining seeds for the found, ranked and random genotypes (e.g. "2 3"; the first training is seed 1), as
#            `train-NAME-seedN`: how far one network's score moves from one training to the next
#   DRAWN_SEEDS  the same for the search's own genotype (the ranking's first), its ranked places and its draws (default SEEDS)
#   DATA     training images, a folder or deadleaves (default model-runs/data: models/build.sh's photos + rendered
#            frames, made by data/training/prepare.sh when missing)
#   ITERATIONS  retraining iterations per network (default 4000)
#   CROP     retraining patch size, high-resolution pixels (default 48; for super-resolution 48 × SCALE, so that the cells at
#            a quarter of the low-resolution pixels see 24 × 24)
# After each search, `hinas select` measures what each operation is worth to the trained supernet (perturbation
# selection, docs/cli.md) and its genotype is trained too ("operations by perturbation").
# Each step is skipped when its result exists, so the script can be stopped and run again; run it alone (2 cores).
set -euo pipefail
cd "$(dirname "$0")/../.."
work="$(realpath -m "${1:-bench/search-recipe/runs}")"
arms="${ARMS-sgd adam-log-mse}"
randoms="${RANDOMS-1 2 3}"
IFS=: read -r task_kind task_value task_channels <<< "${TASK:-denoise:25:3}"
[[ "$task_kind" =~ ^(denoise|sr)$ ]] && [[ "$task_value" =~ ^[0-9]+$ ]] && [[ "${task_channels:-}" =~ ^[13]$ ]] || { echo "bench/search-recipe: TASK '${TASK:-}' is not denoise:SIGMA:CHANNELS or sr:SCALE:CHANNELS (CHANNELS 1 or 3)" >&2; exit 2; }
select_iterations="${SELECT_ITERATIONS:-1000}"
data="${DATA:-$(realpath -m model-runs/data)}"
iterations="${ITERATIONS:-4000}"
photos="${PHOTOS:-$HOME/.cache/hinas/photos}"
bash scripts/install-deps.sh
[ -f "$photos/manifest.json" ] || bash data/photos/collect.sh "$photos"
dotnet build src/HiNas.Cli -c Release -nologo -clp:ErrorsOnly >/dev/null
hinas=(dotnet src/HiNas.Cli/bin/Release/net10.0/linux-x64/hinas.dll)
source scripts/resumable-step.sh
mkdir -p "$work"
[ -n "${DATA:-}" ] || bash data/training/prepare.sh "$data" "$photos"

if [ "$task_kind" = denoise ]; then task=(--task denoise --sigma "$task_value" --channels "$task_channels")
else task=(--task sr --scale "$task_value" --channels "$task_channels"); fi
# bench/latency/front.sh's frame-time free search and trainings
search=(--preset "frame-time-$task_kind" --data "$data" --skip-dropout 0.5)
batches=(--data "$data" --batch 8 --crop "${CROP:-$([ "$task_kind" = sr ] && echo $((48 * task_value)) || echo 48)}")
as_searched=(--width-multiplier 1 --head light)  # HiNAS networks as searched
schedule=("${batches[@]}" --iterations "$iterations" --validate-every $(( iterations >= 5 ? iterations / 5 : 1 )))
train=("${schedule[@]}" "${as_searched[@]}")
select_train=("${batches[@]}" --iterations "$select_iterations" --validate-every "$select_iterations" "${as_searched[@]}")
read -r -a space <<< "${SPACE:-}"
search+=("${space[@]}")
random_space=(--preset "frame-time-$task_kind" "${space[@]}")  # the space searched: the preset's, with SPACE on top

train_and_evaluate() {  # NAME ARCH…: a HiNAS network
  local name="$1"; shift
  trained_as "$name" "$@" "${train[@]}"
}

trained_as() {  # NAME ARGS…: `hinas train ARGS…` as train-NAME, then evaluated
  local name="$1"; shift
  resumable_step train "$work/train-$name" summary.json "$@"
  [ -f "$work/train-$name.eval.json" ] || "${hinas[@]}" eval --checkpoint "$work/train-$name" --data "$photos/evaluation" --json > "$work/train-$name.eval.json"
}

same_network() {  # GENOTYPE GENOTYPE: whether both have the same cells and width path
  /usr/bin/python3 -c "
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
sys.exit(0 if (a['cells'], a['width_path']) == (b['cells'], b['width_path']) else 1)" "$1" "$2"
}

variant() {  # NAME GENOTYPE swap OP | chain | shallow: train GENOTYPE with its edges' operations or inputs changed
  local name="$1" source="$2"; shift 2
  mkdir -p "$work/$name"
  [ -f "$work/$name/genotype.json" ] || /usr/bin/python3 - "$source" "$work/$name/genotype.json" "$@" <<'PY'
import json, sys
source, target, kind = sys.argv[1:4]
g = json.load(open(source))
def rewire(cell):
    edges = []
    for node in range(len(cell) // 2):
        if kind == "swap":
            inputs = [cell[2 * node][1], cell[2 * node + 1][1]]
        elif kind == "shallow" or node == 0:
            inputs = [0, 1]
        else:  # chain: the previous node (state node + 1) and a cell input, alternating
            inputs = [(node + 1) % 2, node + 1]
        ops = [sys.argv[4]] * 2 if kind == "swap" else [cell[2 * node][0], cell[2 * node + 1][0]]
        edges += [[op, i] for op, i in zip(ops, inputs)]
    return edges
g["cells"] = [rewire(cell) for cell in g["cells"]]
json.dump(g, open(target, "w"), indent=1)
PY
  train_and_evaluate "$name" --genotype "$work/$name/genotype.json"
}

reuse_trained() {  # NAME GENOTYPE: a network trained here before under another name (same cells and width path) is linked, not trained again
  local name="$1" genotype="$2" g n run
  for g in "$work"/*/genotype.json; do
    n="$(basename "$(dirname "$g")")"; n="${n#train-}"
    [ "$n" != "$name" ] && [ -f "$work/train-$n.eval.json" ] && same_network "$g" "$genotype" || continue
    for run in "$work/train-$n" "$work/train-$n"-seed*; do
      [ -f "$run.eval.json" ] || continue
      local as="$work/train-$name${run#"$work/train-$n"}"
      [ -e "$as" ] || ln -s "$(basename "$run")" "$as"
      [ -f "$as.eval.json" ] || cp "$run.eval.json" "$as.eval.json"
    done
    echo "   ($name is $n, trained before)" >&2
    return
  done
}

ranked() {  # NAME RUN_DIR PLACE|drawn:N: train the network at PLACE among the search's own candidates in its ranking (under
  # MAX_PARAMETERS), or the one it drew Nth
  local name="$1" dir="$2" place="$3"
  mkdir -p "$work/$name"
  [ -f "$work/$name/genotype.json" ] || /usr/bin/python3 - "$dir" "$place" "$work/$name/genotype.json" "${MAX_PARAMETERS:-0}" <<'PY'
import json, sys
run, which, target, ceiling = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
g = json.load(open(f"{run}/genotype.json"))
ranking = json.load(open(f"{run}/network-ranking.json"))["candidates"]
if which.startswith("drawn:"):
    c = next((c for c in ranking if c["origin"] == which), None)
    if c is None: sys.exit(f"bench/search-recipe: DRAWN {which} is not in {run}/network-ranking.json")
else:
    place = int(which)
    own = [c for c in ranking  # drawn, α's, perturbation's: not the given files
           if c["origin"].split(":")[0] in ("drawn", "alpha", "alpha-sample", "uniform", "perturbation") and (ceiling == 0 or c["parameters"] <= ceiling)]
    if not 1 <= place <= len(own):
        sys.exit(f"bench/search-recipe: RANKED place {place} is not among the {len(own)} networks the search ranked" + (f" at most {ceiling:,} parameters" if ceiling else ""))
    c = own[place - 1]
g["cells"] = [[[e["op"], e["input"]] for e in cell] for cell in c["cells"]]
g["width_path"] = c["width_path"]
for k in ("alpha", "beta", "alpha_entropy", "beta_entropy"): g.pop(k, None)
json.dump(g, open(target, "w"), indent=1)
PY
  train_and_evaluate "$name" --genotype "$work/$name/genotype.json"
  for seed in ${DRAWN_SEEDS-${SEEDS:-}}; do train_and_evaluate "$name-seed$seed" --genotype "$work/$name/genotype.json" --seed "$seed"; done
}

for arm in $arms; do
  IFS=: read -r recipe epochs warmup steps single_path_steps <<< "$arm"
  case "$recipe" in
    sgd) flags=(--weight-optimizer sgd) ;;
    adam-log-mse|adam-log-mse-drop[0-9][0-9]|adam-log-mse-single-path|adam-log-mse-drop[0-9][0-9]-single-path)
      flags=(--weight-optimizer adam --pixel-loss log-mse)
      if [[ "$recipe" =~ -drop([0-9][0-9]) ]]; then flags+=(--operation-dropout "0.${BASH_REMATCH[1]}"); fi
      if [[ "$recipe" == *-single-path ]]; then flags+=(--supernet-training single-path); fi ;;
    *) echo "bench/search-recipe: unknown arm '$recipe' (sgd, adam-log-mse, adam-log-mse-dropNN, adam-log-mse[-dropNN]-single-path)" >&2; exit 2 ;;
  esac
  if [ -n "${single_path_steps:-}" ]; then flags+=(--single-path-steps-per-epoch "$single_path_steps"); fi
  name="${arm//:/-}"
  dir="$work/$name"
  if [ ! -f "$dir/genotype.json" ]; then
    echo "== search $dir ($(date -u +%H:%M))" >&2
    if [ -f "$dir/options.json" ]; then "${hinas[@]}" search --resume "$dir" --json >/dev/null
    else "${hinas[@]}" search "${task[@]}" "${search[@]}" --epochs "${epochs:-10}" --warmup "${warmup:-4}" --steps-per-epoch "${steps:-30}" "${flags[@]}" --out "$dir" --json >/dev/null; fi
  fi
  # the perturbation selection measures the trained supernet, so before its checkpoints go (33 MB: not committed)
  if [ ! -f "$dir/genotype-perturbation.json" ] && [ -d "$dir/checkpoints" ] && [[ "$recipe" != *single-path ]]; then
    echo "== select $dir ($(date -u +%H:%M))" >&2
    "${hinas[@]}" select "$dir" --json >/dev/null
  fi
  # (a single-path search ranked its own draws: ranked again with the networks trained here beside them)
  if [ -n "${RANK:-}" ] && [ -d "$dir/checkpoints" ] && { [[ "$recipe" == *single-path ]] || [ ! -f "$dir/network-ranking.json" ]; }; then
    echo "== rank $dir ($(date -u +%H:%M))" >&2
    known=()  # every network trained here (a `--arch random:N` training keeps its genotype in its options.json)
    for e in "$work"/train-*.eval.json; do
      n="$(basename "$e" .eval.json)"; n="${n#train-}"
      [[ "$n" =~ -seed[0-9]+$ ]] && continue
      if [ -f "$work/$n/genotype.json" ]; then known+=(--candidate "$work/$n/genotype.json")
      elif [ -f "$work/train-$n/genotype.json" ]; then known+=(--candidate "$work/train-$n/genotype.json")
      else /usr/bin/python3 -c 'import json, sys; json.dump(json.load(open(sys.argv[1]))["architecture"]["genotype"], open(sys.argv[2], "w"))' "$work/train-$n/options.json" "$work/train-$n/genotype.json"
        known+=(--candidate "$work/train-$n/genotype.json"); fi
    done
    # a network whose width path does not run alone in the supernet is refused by name: left out, and ranked again
    until "${hinas[@]}" select "$dir" --by ranking --samples "$RANK" "${known[@]}" --json >/dev/null 2>"$work/select.err"; do
      refused="$(sed -n "s/^hinas: error: candidate '\(.*\)': width path .* does not run on its own.*/\1/p" "$work/select.err")"
      [ -n "$refused" ] || { cat "$work/select.err" >&2; exit 1; }
      echo "   (left out: $refused — its width path does not run alone in the supernet)" >&2
      kept=(); for ((i = 0; i < ${#known[@]}; i += 2)); do
        [ "$(realpath -m "${known[i + 1]}")" = "$(realpath -m "$refused")" ] || kept+=("${known[i]}" "${known[i + 1]}")
      done
      [ ${#kept[@]} -lt ${#known[@]} ] || { cat "$work/select.err" >&2; exit 1; }
      known=("${kept[@]}")
    done
    rm -f "$work/select.err"
  fi
  rm -rf "$dir/checkpoints"
  train_and_evaluate "$name" --genotype "$dir/genotype.json"
  # (trained unless it is the network α chose)
  if [ -f "$dir/genotype-perturbation.json" ] && ! same_network "$dir/genotype.json" "$dir/genotype-perturbation.json"; then
    train_and_evaluate "$name-pt" --genotype "$dir/genotype-perturbation.json"
  fi
  for op in ${SWAP:-}; do variant "$name-swap-$op" "$dir/genotype.json" swap "$op"; done
  if [[ " ${REWIRE:-} " == *" chain "* ]]; then variant "$name-chain" "$dir/genotype.json" chain; fi
  for seed in ${DRAWN_SEEDS-${SEEDS:-}}; do train_and_evaluate "$name-seed$seed" --genotype "$dir/genotype.json" --seed "$seed"; done
  if [ -f "$dir/network-ranking.json" ]; then for place in ${RANKED:-}; do ranked "$name-rank$place${MAX_PARAMETERS:+-max$MAX_PARAMETERS}" "$dir" "$place"; done; fi
  if [ -f "$dir/network-ranking.json" ]; then for n in ${DRAWN:-}; do ranked "$name-drawn$n" "$dir" "drawn:$n"; done; fi
  if [ -n "${SELECT:-}" ] && [ -f "$dir/network-ranking.json" ]; then
    as_fast_as="${AS_FAST_AS:-}"
    picked="$name-trained$SELECT${MAX_PARAMETERS:+-max$MAX_PARAMETERS}${MAX_MS:+-ms$MAX_MS}${as_fast_as:+-as-${as_fast_as//:/-}}"
    if [ ! -f "$work/$picked/genotype.json" ]; then
      echo "== select $dir by training the top $SELECT${MAX_PARAMETERS:+ of at most $MAX_PARAMETERS parameters}${MAX_MS:+ within $MAX_MS ms}${as_fast_as:+ as fast as $as_fast_as} ($(date -u +%H:%M))" >&2
      "${hinas[@]}" select "$dir" --by training --top "$SELECT" ${MAX_PARAMETERS:+--max-parameters "$MAX_PARAMETERS"} ${MAX_MS:+--max-ms "$MAX_MS"} ${as_fast_as:+--as-fast-as "$as_fast_as"} "${select_train[@]}" --json >/dev/null
      rm -rf "$dir"/selection/*/checkpoints
      mkdir -p "$work/$picked"
      cp "$dir/training-selection.json" "$work/$picked/training-selection.json"
      cp "$dir/genotype-trained.json" "$work/$picked/genotype.json"
    fi
    reuse_trained "$picked" "$work/$picked/genotype.json"
    train_and_evaluate "$picked" --genotype "$work/$picked/genotype.json"
    for seed in ${SEEDS:-}; do train_and_evaluate "$picked-seed$seed" --genotype "$work/$picked/genotype.json" --seed "$seed"; done
  fi
done
for given in ${GIVEN:-}; do
  name="${given%%=*}" file="${given#*=}"
  [[ "$name" =~ ^[a-z0-9-]+$ ]] && [ "$name" != "$given" ] && [ -f "$file" ] || { echo "bench/search-recipe: GIVEN '$given' is not NAME=GENOTYPE_FILE (NAME of a-z, 0-9, -; an existing file)" >&2; exit 2; }
  mkdir -p "$work/$name"
  [ -f "$work/$name/genotype.json" ] || cp "$file" "$work/$name/genotype.json"
  train_and_evaluate "$name" --genotype "$work/$name/genotype.json"
  for seed in ${SEEDS:-}; do train_and_evaluate "$name-seed$seed" --genotype "$work/$name/genotype.json" --seed "$seed"; done
done
for h in ${HAND:-}; do
  IFS=: read -r arch depth width <<< "$h"
  hands="$([ "$task_kind" = denoise ] && echo "dncnn|ffdnet" || echo "espcn|fsrcnn")"
  [[ "$arch" =~ ^($hands)$ ]] && [[ "$depth" =~ ^[0-9]+$ ]] && [[ "$width" =~ ^[0-9]+$ ]] || { echo "bench/search-recipe: HAND '$h' is not $hands:DEPTH:WIDTH" >&2; exit 2; }
  trained_as "$arch-$depth-$width" "${schedule[@]}" --arch "$arch" --depth "$depth" --width "$width" "${task[@]}"
  for seed in ${SEEDS:-}; do trained_as "$arch-$depth-$width-seed$seed" "${schedule[@]}" --arch "$arch" --depth "$depth" --width "$width" "${task[@]}" --seed "$seed"; done
done
for n in $randoms; do
  train_and_evaluate "random-$n" --arch "random:$n" "${task[@]}" "${random_space[@]}"
  if [[ " ${REWIRE:-} " == *" shallow "* ]]; then variant "random-$n-shallow" "$work/train-random-$n/genotype.json" shallow; fi
  for seed in ${SEEDS:-}; do train_and_evaluate "random-$n-seed$seed" --arch "random:$n" "${task[@]}" "${random_space[@]}" --seed "$seed"; done
done

/usr/bin/python3 - "$work" $arms <<'EOF' | tee "$work/table.md"
import json, sys, os, re, statistics
work, arms = sys.argv[1], sys.argv[2:]
def ev(name):
    return json.load(open(f"{work}/train-{name}.eval.json"))
def scores(name):  # seed 1's, then every further seed's
    seeds = sorted(int(m.group(1)) for f in os.listdir(work) if (m := re.fullmatch(re.escape(f"train-{name}-seed") + r"(\d+)\.eval\.json", f)))
    return [ev(name)["psnr"]] + [ev(f"{name}-seed{s}")["psnr"] for s in seeds]
def psnr(name):
    s = scores(name)
    return f"{s[0]:.2f}" if len(s) == 1 else " / ".join(f"{x:.2f}" for x in s) + f" (mean {statistics.mean(s):.2f})"
DEPTH = {"conv_3x3": 1, "dil_conv_3x3": 1, "dil_conv_5x5": 1, "sep_conv_3x3": 2, "sep_conv_5x5": 2, "skip_connect": 0}
def depth(g):  # the most k×k convolutions on one path from the stem to the head (a separable conv is two)
    cells = [0, 0]  # s0, s1 of the first cell: the stem
    for cell in g["cells"]:
        states = cells[-2:]
        for node in range(len(cell) // 2):
            states.append(max(states[i] + DEPTH[op] for op, i in cell[2 * node:2 * node + 2] if op != "none"))  # none adds no path
        cells.append(max(states[2:]))
    return cells[-1]
def load_genotype(path):  # a genotype.json, or a training's own (in its options.json: `--arch random:N` writes no genotype.json)
    if os.path.exists(path):
        return json.load(open(path))
    return json.load(open(os.path.join(os.path.dirname(path), "options.json")))["architecture"]["genotype"]
def row(label, name, genotype, search="—", alpha="—", beta="—"):
    g = load_genotype(genotype)
    print(f"| {label} | {search} | {alpha} | {beta} | {g['width_path']} | {depth(g)} | {ev(name)['params']:,} | {psnr(name)} |")
print("| network | supernet validation dB, first → best epoch | α entropy | β entropy | width path | depth | params | PSNR dB (photos) |")
print("|---|---|---|---|---|---|---|---|")
drawn_medians = {}
for arm in arms:
    name = arm.replace(":", "-")
    epochs = [json.loads(l) for l in open(f"{work}/{name}/events.jsonl") if '"kind":"epoch"' in l]
    psnrs = [e["validation_psnr"] for e in epochs]
    g = json.load(open(f"{work}/{name}/genotype.json"))
    entropy = lambda key: f"{g[key]:.3f}" if key in g else "—"  # a single-path search trains no α or β
    if os.path.exists(f"{work}/train-{name}.eval.json"):  # (not yet trained: the arm's ranked places only)
        row(f"found, {arm}", name, f"{work}/{name}/genotype.json", f"{psnrs[0]:.2f} → {max(psnrs):.2f} ({len(psnrs)} epochs)", entropy("alpha_entropy"), entropy("beta_entropy"))
    if os.path.exists(f"{work}/{name}/genotype-perturbation.json"):
        p = json.load(open(f"{work}/{name}/genotype-perturbation.json"))
        same = (p["cells"], p["width_path"]) == (g["cells"], g["width_path"])
        if os.path.exists(f"{work}/train-{name if same else name + '-pt'}.eval.json"):
          row(f"found, {arm}, operations by perturbation{' (the same network)' if same else ''}", name if same else f"{name}-pt", f"{work}/{name}/genotype-perturbation.json", "(same supernet)")
    for f in sorted(os.listdir(work)):
        if f.startswith(f"train-{name}-swap-") and f.endswith(".eval.json"):
            op = f[len(f"train-{name}-swap-"):-len(".eval.json")]
            row(f"found, {arm}, every edge {op}", f"{name}-swap-{op}", f"{work}/{name}-swap-{op}/genotype.json")
    for f in sorted(os.listdir(work)):
        if (m := re.fullmatch(re.escape(f"train-{name}-rank") + r"(\d+)(-max(\d+))?\.eval\.json", f)):
            ranked = f"{name}-rank{m.group(1)}{m.group(2) or ''}"
            row(f"found, {arm}, ranked {m.group(1)}" + (f" of those ≤ {int(m.group(3)):,} parameters" if m.group(3) else ""), ranked, f"{work}/{ranked}/genotype.json")
    for f in sorted(os.listdir(work)):
        if (m := re.fullmatch(re.escape(f"train-{name}-trained") + r"(\d+)(-max(\d+))?(-ms([\d.]+)|-as-(\w+)-(\d+)-(\d+))?\.eval\.json", f)):
            picked = f"{name}-trained{m.group(1)}{m.group(2) or ''}{m.group(4) or ''}"
            row(f"found, {arm}, best of the top {m.group(1)}" + (f" ≤ {int(m.group(3)):,} parameters" if m.group(3) else "")
                + (f" within {m.group(5)} ms" if m.group(5) else "") + (f" as fast as {m.group(6)} {m.group(7)}×{m.group(8)}" if m.group(6) else "")
                + " by a short training", picked, f"{work}/{picked}/genotype.json")
    drawn = sorted(int(m.group(1)) for f in os.listdir(work) if (m := re.fullmatch(re.escape(f"train-{name}-drawn") + r"(\d+)\.eval\.json", f)))
    for n in drawn:
        row(f"drawn:{n} of {arm}, uniform within its space" + (f" and its {budget} ms budget" if (budget := json.load(open(f"{work}/{name}/options.json")).get("budget_ms")) else ""),
            f"{name}-drawn{n}", f"{work}/{name}-drawn{n}/genotype.json")
    if drawn:
        drawn_medians[arm] = statistics.median(statistics.mean(scores(f"{name}-drawn{n}")) for n in drawn), len(drawn)
    if os.path.exists(f"{work}/train-{name}-chain.eval.json"):
        row(f"found, {arm}, nodes chained", f"{name}-chain", f"{work}/{name}-chain/genotype.json")
def trained():  # (cells, width path) → the mean retrained PSNR, of every network trained here
    found = {}
    for f in os.listdir(work):
        if (m := re.fullmatch(r"train-(.+)\.eval\.json", f)) and not re.search(r"-seed\d+$", m.group(1)) and not re.match(r"(dncnn|ffdnet|espcn|fsrcnn)-", m.group(1)):
            n = m.group(1)
            g = load_genotype(f"{work}/{n}/genotype.json" if os.path.exists(f"{work}/{n}/genotype.json") else f"{work}/train-{n}/genotype.json")
            found[(json.dumps(g["cells"]), json.dumps(g["width_path"]))] = statistics.mean(scores(n))
    return found
def kendall(pairs):
    signs = [(a[0] - b[0]) * (a[1] - b[1]) for i, a in enumerate(pairs) for b in pairs[i + 1:]]
    return sum((s > 0) - (s < 0) for s in signs) / len(signs)
randoms = sorted(int(m.group(1)) for f in os.listdir(work) if (m := re.fullmatch(r"train-random-(\d+)\.eval\.json", f)))
for r in randoms:
    row(f"random:{r}", f"random-{r}", f"{work}/train-random-{r}/genotype.json")
    if os.path.exists(f"{work}/train-random-{r}-shallow.eval.json"):
        row(f"random:{r}, every node on the cell inputs", f"random-{r}-shallow", f"{work}/random-{r}-shallow/genotype.json")
for f in sorted(os.listdir(work)):
    if (m := re.fullmatch(r"train-(dncnn|ffdnet|espcn|fsrcnn)-(\d+)-(\d+)\.eval\.json", f)):
        hand = f"{m.group(1)}-{m.group(2)}-{m.group(3)}"
        print(f"| {m.group(1)} depth {m.group(2)} width {m.group(3)} (hand-designed) | — | — | — | — | {m.group(2)} | {ev(hand)['params']:,} | {psnr(hand)} |")
if randoms:
    means = sorted(statistics.mean(scores(f"random-{r}")) for r in randoms)
    print(f"\n{len(means)} random genotypes (each its mean over seeds): median {statistics.median(means):.2f} dB, range {means[0]:.2f}–{means[-1]:.2f}; input {ev(f'random-{randoms[0]}')['input_psnr']:.2f} dB.")
    spreads = [max(s) - min(s) for r in randoms if len(s := scores(f"random-{r}")) > 1]
    if spreads:
        print(f"Retraining noise: one network's scores over seeds differ by {min(spreads):.2f}–{max(spreads):.2f} dB.")
for arm, (median, count) in drawn_medians.items():
    print(f"\n{arm}: the median of its first {count} draws, {median:.2f} dB.")
known = trained()
for arm in arms:
    name = arm.replace(":", "-")
    if os.path.exists(f"{work}/{name}/network-ranking.json"):
        ranking = json.load(open(f"{work}/{name}/network-ranking.json"))["candidates"]
        pairs = [(c["psnr"], known[k]) for c in ranking
                 if (k := (json.dumps([[[e["op"], e["input"]] for e in cell] for cell in c["cells"]]), json.dumps(c["width_path"]))) in known]
        if len(pairs) >= 3:
            print(f"\n{arm}: its supernet ranks {len(ranking)} networks as sub-networks at {min(c['psnr'] for c in ranking):.2f}–{max(c['psnr'] for c in ranking):.2f} dB; "
                  f"over the {len(pairs)} of them retrained here, Kendall's τ with the retrained PSNR {kendall(pairs):+.2f}.")
    for f in sorted(os.listdir(work)):
        if f.startswith(f"{name}-trained") and os.path.exists(f"{work}/{f}/training-selection.json"):
            s = json.load(open(f"{work}/{f}/training-selection.json"))
            print(f"\n{arm}, selection by training ({f[len(name) + 1:]}: {s['iterations']:,} iterations each" + (f", ≤ {s['max_parameters']:,} parameters" if s.get("max_parameters") else "")
                  + (f", within {s['max_ms']} ms at {s['latency_resolution']}" if s.get("max_ms") else "")
                  + (f", as fast as {s['as_fast_as']} at {s['latency_resolution']} timed side by side (its ms beside each)" if s.get("as_fast_as") else "") + "):\n")
            print("| network | ranking place | supernet dB | short training dB | params | ms | retrained PSNR dB (mean over seeds) |")
            print("|---|---|---|---|---|---|---|")
            beside = lambda c: f" ({c['reference_ms']:.1f})" if c.get("reference_ms") is not None else ""
            for c in s["candidates"]:
                k = (json.dumps([[[e["op"], e["input"]] for e in cell] for cell in c["cells"]]), json.dumps(c["width_path"]))
                ms = f"{c['latency_ms']:.1f}{beside(c)}" if c.get("latency_ms") is not None else "—"
                print(f"| {c['origin']} {c['width_path']} | {c['ranking_place']} | {c['ranking_psnr']:.2f} | {c['validation_psnr']:.2f} | {c['parameters']:,} | {ms} | {f'{known[k]:.2f}' if k in known else '—'} |")
            if s.get("over_ceiling"):
                print("\nPassed over, slower than the ceiling: " + ", ".join(f"place {o['ranking_place']} {o['origin']} {o['latency_ms']:.1f}{beside(o)} ms" for o in s["over_ceiling"]) + ".")
EOF
